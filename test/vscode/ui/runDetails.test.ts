import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { useMlflowServer } from '../../support/mlflowServer';
import { copyFixture } from '../../support/repoPaths';
import { seedTracking } from '../../support/seedTracking';
import { Workbench } from '../../support/workbench';

describe('run details panel (real VS Code, real MLflow server)', () => {
  let workbench: Workbench | undefined;
  after(() => workbench?.close());

  it('right-click a run → Show Run Details: overview, params, metrics with a sparkline, registered version', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedTracking(url, 'ui-details');
    const client = new MlflowRestClient({ baseUrl: url });
    await client.setTag(seeded.parentRunId, 'mlflow.source.git.repoURL', 'git@github.com:acme/churn.git');
    await client.setTag(seeded.parentRunId, 'mlflow.source.git.commit', '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39');
    await client.setTag(seeded.parentRunId, 'mlflow.source.type', 'PROJECT');
    await client.setTag(seeded.parentRunId, 'mlflow.project.entryPoint', 'main');
    await client.setTag(seeded.parentRunId, 'team', 'forecasting');
    workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url } });

    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', seeded.experimentName);
    await workbench.contextMenu('Runs', 'train-parent', 'Show Run Details');

    const view = workbench.webview();
    const alpha = view.locator('table.params tr[data-key="alpha"] td.value');
    await alpha.waitFor({ timeout: 60_000 });
    assert.equal(await alpha.innerText(), '0.5');
    assert.equal(await view.locator('table.params tr[data-key="l1_ratio"] td.value').innerText(), '0.1');
    const rmse = view.locator('table.metrics tr[data-key="rmse"]');
    assert.equal(await rmse.locator('td.latest').innerText(), '0.2');
    assert.equal(await rmse.locator('td.min').innerText(), '0.2');
    assert.equal(await rmse.locator('td.max').innerText(), '1');
    // The sparkline is a uPlot canvas drawn from the 5 logged steps.
    await rmse.locator('td.spark .uplot canvas').waitFor({ timeout: 10_000 });
    assert.match((await rmse.locator('td.spark').getAttribute('title')) ?? '', /5 points from step 0 to 4/);

    const version = view.locator(`table.models tr[data-model="${seeded.modelName}"][data-version="1"]`);
    await version.waitFor();
    assert.match(await version.innerText(), /Version 1\s+Staging/);
    assert.match(await view.locator('dd[data-field="Git commit"]').innerText(), /3f2a9c1d8e7b on GitHub/);
    assert.equal(await view.locator('dd[data-field="Entry point"]').innerText(), 'main');
    assert.equal(await view.locator('table.tags tr[data-key="team"] td.value').innerText(), 'forecasting');
    assert.equal(await view.locator('details.system-tags').getAttribute('open'), null, 'system tags start folded');
    assert.equal(await view.locator('button.artifact-folder[data-path="notes"]').count(), 1);
    await workbench.screenshot('run-details-dark');

    // A folder expands in place; its file is one click from an editor.
    await view.locator('button.artifact-folder[data-path="notes"]').click();
    await view.locator('button.artifact-file[data-path="notes/summary.txt"]').click();
    await workbench.page.locator('.tab', { hasText: 'summary.txt' }).first().waitFor({ timeout: 30_000 });
  });

  it('from the palette with the run picker (experiment, then a run typed by id); restored after a window reload', async () => {
    const wb = workbench!;
    const { url } = await useMlflowServer();
    const client = new MlflowRestClient({ baseUrl: url });
    const experiment = (await client.searchExperiments({ filter: "name LIKE 'ui-details-%'" })).items[0];
    const run = (await client.searchRuns({ experimentIds: [experiment.experiment_id], filter: "attributes.run_name = 'broken-run'" })).items[0];
    // Close the tabs and clear the tree's selection, so the command asks.
    await wb.runCommand('View: Close All Editors');
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const input = wb.page.locator('.quick-input-widget input');
    // Right after a page reload the workbench may still move the focus (restoring its views), which
    // closes a quick pick opened too early (its list stays in the page, hidden): open it again until
    // the experiment step stays up.
    for (let attempt = 1; ; attempt++) {
      await wb.runCommand('MLflow: Show Run Details');
      try {
        await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: experiment.name }).first().waitFor({ timeout: 20_000 });
        await input.fill(experiment.name, { timeout: 5_000 });
        break;
      } catch (err) {
        if (attempt >= 4) throw err;
        await wb.page.keyboard.press('Escape');
      }
    }
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken-run' }).first().waitFor({ timeout: 30_000 });
    await input.fill(run.info.run_id);
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken-run' }).first().waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Enter');
    const status = wb.webview().locator('dd[data-field="Status"]');
    await status.waitFor({ timeout: 60_000 });
    assert.equal(await status.innerText(), 'FAILED');
    assert.equal(await wb.webview().locator('table.models').count(), 0, 'broken-run registered nothing');

    // A reload brings the panel back with the same run (the serializer and the saved state).
    // (Developer: Reload Window lets the workbench save its editors first; a bare page reload may not.)
    await wb.page.evaluate(() => Object.assign(globalThis, { beforeReload: true }));
    await wb.page.waitForTimeout(1500);
    await wb.runCommand('Developer: Reload Window');
    await wb.page.waitForFunction(() => !('beforeReload' in globalThis), undefined, { timeout: 30_000 });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const restored = wb.webview().locator('dd[data-field="Run ID"]');
    await restored.waitFor({ timeout: 60_000 });
    assert.equal(await wb.page.evaluate(() => 'beforeReload' in globalThis), false, 'the window was not reloaded');
    assert.equal(await restored.innerText(), run.info.run_id);
  });
});
