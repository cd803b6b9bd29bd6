import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('model registry actions from the trees', () => {
  let workbench: Workbench;
  let client: MlflowRestClient;
  let experimentName: string;
  const modelName = uniqueName('ui-registered');
  const folderModelName = uniqueName('ui-from-folder');
  let runId: string;
  before(async () => {
    const { url } = await useMlflowServer();
    client = new MlflowRestClient({ baseUrl: url });
    experimentName = uniqueName('ui-registry');
    const experimentId = await client.createExperiment(experimentName);
    const run = await client.createRun(experimentId, 'model-run');
    runId = run.run_id;
    // A model artifact folder as mlflow.pyfunc.log_model would leave it (MLmodel marks it as a model).
    await client.uploadArtifact(run.run_id, 'model/MLmodel', 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n');
    await client.updateRun(run.run_id, 'FINISHED');
    workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url } });
  });
  after(() => workbench?.close());

  const contextMenu = (view: string, row: string | RegExp, action: string) => workbench.contextMenu(view, row, action);

  async function quickInput(text: string | undefined, pick?: string): Promise<void> {
    const input = workbench.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    if (text !== undefined) await input.fill(text);
    if (pick) await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor({ timeout: 20_000 });
    if (pick) await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().click();
    else await workbench.page.keyboard.press('Enter');
  }

  it("registers a run's model, moves the version to Staging and sets an alias", async () => {
    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', experimentName);
    await workbench.treeItem('Runs', 'model-run').waitFor({ timeout: 30_000 });
    await contextMenu('Runs', 'model-run', 'Register Model');
    await quickInput(modelName, modelName);
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'description of the new version' }).waitFor({ timeout: 20_000 });
    await quickInput('ridge baseline from the UI test');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'tags of the new version' }).waitFor({ timeout: 20_000 });
    await quickInput('team=ml, data=2026-11');
    await workbench.notification(`Registered ${modelName} version 1`).waitFor({ timeout: 30_000 });

    await workbench.expand('Model Registry', modelName);
    // The shared server holds other tests' models too: the version may be below the fold.
    await workbench.revealBelowFocus('Model Registry', 'Version 1');
    await contextMenu('Model Registry', 'Version 1', 'Transition Stage');
    await quickInput(undefined, 'Staging');
    await quickInput(undefined, 'Archive the versions now in Staging');
    await workbench.page
      .locator('.part.sidebar .monaco-list-row', { hasText: /Version 1.*Staging/ })
      .first()
      .waitFor({ timeout: 30_000 });

    await contextMenu('Model Registry', 'Version 1', 'Set Alias');
    await quickInput('champion');
    await workbench.page
      .locator('.part.sidebar .monaco-list-row', { hasText: /Version 1.*@champion/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await workbench.screenshot('registry-actions');

    const version = await client.getModelVersionByAlias(modelName, 'champion');
    assert.equal(version.version, '1');
    assert.equal(version.current_stage, 'Staging');
    assert.match(version.source ?? '', /\/model$/);
    assert.equal(version.description, 'ridge baseline from the UI test');
    assert.deepEqual((version.tags ?? []).map((t) => [t.key, t.value]).sort(), [
      ['data', '2026-11'],
      ['team', 'ml'],
    ]);
  });

  it('registers a model from an artifact folder of the run', async () => {
    await workbench.expand('Runs', 'model-run');
    await workbench.expand('Runs', 'Artifacts');
    await contextMenu('Runs', /^model$/, 'Register Model');
    await quickInput(folderModelName, folderModelName);
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'description of the new version' }).waitFor({ timeout: 20_000 });
    await quickInput('');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'tags of the new version' }).waitFor({ timeout: 20_000 });
    await quickInput('');
    await workbench.notification(`Registered ${folderModelName} version 1`).waitFor({ timeout: 30_000 });
    const version = await client.getModelVersion(folderModelName, '1');
    assert.equal(version.source, `runs:/${runId}/model`);
    assert.equal(version.run_id, runId);
  });
});
