import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { useMlflowServer } from '../../support/mlflowServer';
import { copyFixture } from '../../support/repoPaths';
import { seedTracking, type SeededTracking } from '../../support/seedTracking';
import { Workbench } from '../../support/workbench';

describe('Runs and Model Registry views against a real MLflow server', () => {
  let workbench: Workbench;
  let seeded: SeededTracking;
  before(async () => {
    const { url } = await useMlflowServer();
    seeded = await seedTracking(url, 'ui-explorer');
    workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url, 'mlflow.keyMetric': 'rmse' },
    });
  });
  after(() => workbench?.close());

  it('expands connection → experiment → run → metrics, with the nested run under its parent', async () => {
    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', seeded.experimentName);
    const parent = workbench.treeItem('Runs', 'train-parent');
    await parent.waitFor({ timeout: 30_000 });
    assert.match(await parent.innerText(), /rmse=0\.2/);
    await workbench.treeItem('Runs', 'broken-run').waitFor();
    // The child run is not at the experiment level, only under its parent.
    assert.equal(await workbench.treeItem('Runs', 'cv-fold-1').isVisible(), false);
    await workbench.expand('Runs', 'train-parent');
    await workbench.expand('Runs', 'Child runs');
    await workbench.treeItem('Runs', 'cv-fold-1').waitFor({ timeout: 30_000 });
    await workbench.expand('Runs', 'Metrics');
    const metric = workbench.treeItem('Runs', /^rmse/);
    await metric.waitFor({ timeout: 30_000 });
    await workbench.expand('Runs', 'Parameters');
    await workbench.treeItem('Runs', 'alpha').waitFor({ timeout: 30_000 });
    await workbench.expand('Runs', 'Artifacts');
    await workbench.treeItem('Runs', 'notes').waitFor({ timeout: 30_000 });
    await workbench.screenshot('runs-explorer');
  });

  it('shows registry → model → versions with stage and alias', async () => {
    await workbench.expand('Model Registry', seeded.modelName);
    // The shared server holds other tests' models too: the versions may be below the fold.
    await workbench.revealBelowFocus('Model Registry', 'Version 1');
    const v1 = workbench.treeItem('Model Registry', 'Version 1');
    assert.match(await v1.innerText(), /Staging/);
    await workbench.revealBelowFocus('Model Registry', 'Version 2');
    const v2 = workbench.treeItem('Model Registry', 'Version 2');
    assert.match(await v2.innerText(), /@champion/);
    await workbench.expand('Model Registry', 'Version 2');
    await workbench.revealBelowFocus('Model Registry', 'Source run');
    await workbench.screenshot('model-registry');
    // Clicking the source run jumps to it in the Runs view (version 2 came from the child run).
    await workbench.activateRow('Model Registry', 'Source run');
    const revealed = workbench.page.locator('.part.sidebar .monaco-list-row[aria-selected="true"]', { hasText: 'cv-fold-1' });
    await revealed.first().waitFor({ timeout: 30_000 });
  });
});
