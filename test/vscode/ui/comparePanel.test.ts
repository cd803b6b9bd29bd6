import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { copyFixture } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';

/**
 * Seeds an experiment for the compare panel (as test/vscode/compare.test.ts does; a test file cannot
 * import another without running its tests): three finished top-level runs that differ in `lr`
 * (same `model`) with 300 steps of `loss` and `acc`, a parent "sweep" with two child runs, and a
 * run left RUNNING (the panel must poll it until it ends).
 */
async function seedCompareRuns(url: string, prefix: string): Promise<{ experimentName: string; liveRunId: string }> {
  const client = new MlflowRestClient({ baseUrl: url });
  const experimentName = uniqueName(prefix);
  const experimentId = await client.createExperiment(experimentName);
  const t0 = Date.now() - 60_000;
  const logRun = async (name: string, lr: string, opts: { parentRunId?: string; finish?: boolean } = {}) => {
    const run = await client.createRun(experimentId, name, { parentRunId: opts.parentRunId });
    const scale = Number(lr) * 10;
    const metrics = Array.from({ length: 300 }, (_, step) => [
      { key: 'loss', value: scale * Math.exp(-step / 80) + 0.05, timestamp: t0 + step * 100, step },
      { key: 'acc', value: 1 - Math.exp(-step / 60) / (1 + scale), timestamp: t0 + step * 100, step },
    ]).flat();
    await client.logBatch(run.run_id, { params: [{ key: 'lr', value: lr }, { key: 'model', value: 'mlp' }] });
    for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(run.run_id, { metrics: metrics.slice(i, i + 1000) });
    if (opts.finish !== false) await client.updateRun(run.run_id, 'FINISHED');
    return run.run_id;
  };
  const sweep = await logRun('sweep', '0.3');
  await logRun('fold-1', '0.01', { parentRunId: sweep });
  await logRun('fold-2', '0.02', { parentRunId: sweep });
  for (const [name, lr] of [['trial-a', '0.1'], ['trial-b', '0.05'], ['trial-c', '0.2']]) await logRun(name, lr);
  const liveRunId = await logRun('live-run', '0.07', { finish: false });
  return { experimentName, liveRunId };
}

/** Selects trial-a, trial-b, trial-c in the Runs tree (click, ctrl-click) and runs the compare command. */
async function openComparison(workbench: Workbench, experimentName: string): Promise<void> {
  await workbench.openViewContainer('MLflow');
  await workbench.expand('Runs', experimentName);
  const rows = ['trial-a', 'trial-b', 'trial-c'].map((name) => workbench.treeItem('Runs', name));
  await rows[0].waitFor({ timeout: 30_000 });
  await rows[0].click();
  await rows[1].click({ modifiers: ['Control'] });
  await rows[2].click({ modifiers: ['Control'] });
  for (const row of rows) assert.equal(await row.getAttribute('aria-selected'), 'true');
  await workbench.runCommand('MLflow: Compare Selected Runs');
}

describe('Compare runs panel (real VS Code, real MLflow server)', () => {
  const open: Workbench[] = [];
  after(async () => {
    for (const w of open) await w.close();
  });

  it('dark theme: differing param highlighted, one chart series per run, keyboard tabs', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'ui-compare');
    const workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url } });
    open.push(workbench);
    await openComparison(workbench, seeded.experimentName);
    const view = workbench.webview();
    const differing = view.locator('table.params tr.differs', { hasText: 'lr' });
    await differing.waitFor({ timeout: 60_000 });
    assert.match(await differing.innerText(), /0\.1\s+0\.05\s+0\.2/);
    // The identical row is there, after the differing one, and not highlighted.
    const rows = view.locator('table.params tbody tr');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-key'), tr.classList.contains('differs')])), [
      ['lr', true],
      ['model', false],
    ]);
    await workbench.screenshot('compare-params-dark');

    // Arrow keys move between tabs: Params → Metrics → Tags → Charts.
    await view.locator('#tab-params').focus();
    await workbench.page.keyboard.press('ArrowRight');
    await view.locator('table.metrics td.best').first().waitFor();
    assert.equal(await view.locator('#tab-metrics').getAttribute('aria-selected'), 'true');
    await workbench.page.keyboard.press('End');
    assert.equal(await view.locator('#tab-charts').getAttribute('aria-selected'), 'true');

    // Metric history charts (not the scatter, which has a legend too): one legend row per run after the x row.
    for (const metric of ['acc', 'loss']) {
      const series = view.locator(`.chart[data-metric="${metric}"] .u-legend tr.u-series`);
      await series.nth(3).waitFor({ timeout: 60_000 });
      assert.equal(await series.count(), 4, `legend of ${metric}`);
      assert.deepEqual((await series.locator('.u-label').allInnerTexts()).slice(1), ['trial-a', 'trial-b', 'trial-c']);
    }
    await workbench.screenshot('compare-charts-dark');
  });

  it('light theme: the same comparison looks native', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'ui-compare-light');
    const workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url, 'workbench.colorTheme': 'Default Light Modern' },
    });
    open.push(workbench);
    await openComparison(workbench, seeded.experimentName);
    const view = workbench.webview();
    await view.locator('table.params tr.differs', { hasText: 'lr' }).waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('body').evaluate((b) => b.classList.contains('vscode-light')), true);
    await workbench.screenshot('compare-params-light');
    await view.locator('#tab-charts').click();
    await view.locator('.chart[data-metric="loss"] .u-legend tr.u-series').nth(3).waitFor({ timeout: 60_000 });
    await workbench.screenshot('compare-charts-light');
  });
});
