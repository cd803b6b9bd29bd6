// The demo's first clicks, in the workspace `npm run demo` prepares (test/support/demoWorkspace.ts):
// "Run locally" and "Run on Databricks" (the workspace emulator) with the defaults both finish and show
// in the Runs view; with an interpreter that has no MLflow, "Run locally" says so before any prompt.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowRestClient, type MlflowRun } from '../../../src/engine/mlflow/mlflowRestClient';
import { DEMO_ALIAS, DEMO_EXPERIMENT, DEMO_MODEL, prepareDemoWorkspace, type DemoWorkspace } from '../../support/demoWorkspace';
import { makeTempDir, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';
import { waitUntil } from '../../support/waitUntil';

describe('the demo workspace: first clicks', () => {
  let demo: DemoWorkspace;
  let workbench: Workbench;
  let client: MlflowRestClient;
  const demoDir = makeTempDir('demo-ui');

  before(async () => {
    demo = await prepareDemoWorkspace({ demoDir, python: venvPython });
    client = new MlflowRestClient({ baseUrl: demo.tracking.url });
    workbench = await Workbench.open({ workspace: demo.workspace, env: demo.env });
  });
  after(async () => {
    await workbench?.close();
    await demo?.stop();
  });

  function settingsFile(): string {
    return path.join(demo.workspace, '.vscode', 'settings.json');
  }

  async function acceptDefaults(entryPoint: string, parameters: string[]): Promise<void> {
    const title = workbench.page.locator('.quick-input-widget .quick-input-title');
    for (const name of parameters) {
      await title.filter({ hasText: `${entryPoint}: ${name}` }).waitFor({ timeout: 120_000 });
      await workbench.page.keyboard.press('Enter');
    }
  }

  async function finishedRun(backend: 'local' | 'databricks', known: Set<string>): Promise<MlflowRun> {
    const experiment = (await client.getExperimentByName(DEMO_EXPERIMENT))!;
    // The cluster's own `mlflow run` re-tags the run's backend as local: a Databricks run is known by its run page.
    const onDatabricks = (r: MlflowRun) => r.data.tags?.some((t) => t.key === 'mlflow.databricks.runURL') ?? false;
    let runs: MlflowRun[] = [];
    const finished = async () => {
      runs = (await client.searchRuns({ experimentIds: [experiment.experiment_id] })).items;
      const run = runs.find(
        (r) =>
          !known.has(r.info.run_id) &&
          r.data.tags?.some((t) => t.key === 'mlflow.source.type' && t.value === 'PROJECT') &&
          onDatabricks(r) === (backend === 'databricks'),
      );
      return run && run.info.status !== 'RUNNING' && run.info.status !== 'SCHEDULED' && run;
    };
    return waitUntil(`a finished ${backend} run appears in ${DEMO_EXPERIMENT}`, finished, {
      timeoutMs: 420_000,
      intervalMs: 2000,
      lastState: () => `runs: ${runs.map((r) => `${r.info.run_name}:${r.info.status}`).join(', ')}`,
    });
  }

  it('opens seeded: an alpha sweep of three runs and the best model registered with an alias', async () => {
    assert.ok(demo.seeded, 'a fresh demo workspace is seeded');
    const experiment = (await client.getExperimentByName(DEMO_EXPERIMENT))!;
    const runs = (await client.searchRuns({ experimentIds: [experiment.experiment_id] })).items;
    const children = runs.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId' && t.value === demo.seeded!.parentRunId));
    assert.equal(children.length, 3);
    assert.ok(
      children.every((r) => r.info.status === 'FINISHED' && r.data.tags?.some((t) => t.key === 'mlflow.source.type' && t.value === 'PROJECT')),
      'real mlflow runs',
    );
    const model = await client.getRegisteredModel(DEMO_MODEL);
    assert.equal(model.aliases?.find((a) => a.alias === DEMO_ALIAS)?.version, demo.seeded.version);
  });

  it('with an interpreter without MLflow, Run locally says which and why, with its actions, before any prompt', async () => {
    const noMlflow = path.join(demoDir, 'python-without-mlflow');
    fs.writeFileSync(noMlflow, '#!/bin/sh\nexec /usr/bin/env python3 -I -S "$@"\n', { mode: 0o755 });
    const original = fs.readFileSync(settingsFile(), 'utf8');
    fs.writeFileSync(settingsFile(), JSON.stringify({ ...demo.settings, 'mlflow.pythonPath': noMlflow }, null, 2));
    try {
      await workbench.openFile('MLproject');
      await workbench.page.waitForTimeout(2000); // the settings file change reaches the extension host
      await workbench.codeLens('Run locally').click();
      const message = workbench.notification('cannot import mlflow');
      await message.waitFor({ timeout: 120_000 });
      assert.match(
        await message.innerText(),
        new RegExp(`${noMlflow.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(set by mlflow\\.pythonPath\\) cannot import mlflow`),
      );
      const toast = workbench.page.locator('.notifications-toasts .notification-list-item', { hasText: 'cannot import mlflow' }).first();
      await toast.locator('.monaco-button', { hasText: 'Select Interpreter…' }).waitFor({ timeout: 10_000 });
      await toast.locator('.monaco-button', { hasText: 'Create .venv with MLflow' }).waitFor({ timeout: 10_000 });
      assert.equal(await workbench.page.locator('.quick-input-widget').isVisible(), false, 'no parameter was asked');
      await workbench.screenshot('demo-interpreter-without-mlflow');
      await toast.hover();
      await toast
        .locator('.codicon-notifications-clear')
        .first()
        .click()
        .catch(() => workbench.page.keyboard.press('Escape'));
    } finally {
      fs.writeFileSync(settingsFile(), original);
    }
  });

  it('Run locally and Run on Databricks with the defaults both finish and show in the Runs view', async () => {
    const experiment = (await client.getExperimentByName(DEMO_EXPERIMENT))!;
    const known = new Set((await client.searchRuns({ experimentIds: [experiment.experiment_id] })).items.map((r) => r.info.run_id));
    await workbench.openFile('MLproject');
    await workbench.page.waitForTimeout(2000);

    await workbench.codeLens('Run locally').click();
    await acceptDefaults('main', ['alpha', 'test_size', 'solver']);
    const local = await finishedRun('local', known);
    assert.equal(local.info.status, 'FINISHED');
    known.add(local.info.run_id);

    await workbench.codeLens('Run on Databricks').click();
    await acceptDefaults('main', ['alpha', 'test_size', 'solver']);
    const onDatabricks = await finishedRun('databricks', known);
    assert.equal(onDatabricks.info.status, 'FINISHED', `the Databricks run ended ${onDatabricks.info.status}`);
    assert.ok(onDatabricks.data.tags?.some((t) => t.key === 'mlflow.databricks.runURL' && t.value.startsWith(demo.emulator.url)));
    assert.ok(
      onDatabricks.data.metrics?.some((m) => m.key === 'rmse'),
      'the emulated cluster ran the training',
    );

    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', DEMO_EXPERIMENT);
    for (const run of [local, onDatabricks]) await workbench.treeItem('Runs', run.info.run_name!).waitFor({ timeout: 60_000 });
    await workbench.treeItem('Runs', 'alpha-sweep').waitFor({ timeout: 30_000 });
    await workbench.page.mouse.move(800, 300); // no hover tooltip over the runs in the screenshot
    await workbench.page.waitForTimeout(1000);
    await workbench.screenshot('demo-first-run');
  });
});
