import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('launching a local run from the command palette', () => {
  let workbench: Workbench;
  let url: string;
  const experimentName = uniqueName('ui-launch');
  before(async () => {
    ({ url } = await useMlflowServer());
    workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url, 'mlflow.pythonPath': venvPython, 'mlflow.experimentName': experimentName, 'mlflow.keyMetric': 'loss' },
    });
  });
  after(() => workbench?.close());

  async function accept(value?: string, row?: string): Promise<void> {
    const widget = workbench.page.locator('.quick-input-widget');
    await widget.locator('input').waitFor({ timeout: 30_000 });
    if (value !== undefined) await widget.locator('input').fill(value);
    if (row) await widget.locator('.monaco-list-row', { hasText: row }).first().waitFor({ timeout: 30_000 });
    await workbench.page.keyboard.press('Enter');
    await workbench.page.waitForTimeout(400);
  }

  it('asks entry point, backend and parameters, runs mlflow run, and the run shows in the Runs view', async () => {
    await workbench.runCommand('MLflow: Run Entry Point');
    await accept(undefined, 'main'); // entry point
    await accept(undefined, 'Local'); // where: asked first, so its checks come before the parameters
    await accept('0.25'); // alpha
    await accept(); // l1_ratio: default
    await workbench.notification('finished').waitFor({ timeout: 240_000 });

    const client = new MlflowRestClient({ baseUrl: url });
    const experiment = await client.getExperimentByName(experimentName);
    assert.ok(experiment, 'the experiment was not created');
    const runs = await client.searchRuns({ experimentIds: [experiment.experiment_id] });
    assert.equal(runs.items.length, 1);
    assert.equal(runs.items[0].info.status, 'FINISHED');
    assert.deepEqual(runs.items[0].data.params?.find((p) => p.key === 'alpha')?.value, '0.25');

    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', experimentName);
    const row = workbench.treeItem('Runs', /loss=/);
    await row.waitFor({ timeout: 30_000 });
    await workbench.screenshot('launch-local-run');
  });
});
