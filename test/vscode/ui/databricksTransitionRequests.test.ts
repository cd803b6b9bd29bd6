// A reviewer approves a data scientist's stage transition request from the Model Registry tree of a
// Databricks connection (the local workspace emulator in front of a real MLflow server).
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTransitionRequest } from '../../../src/engine/databricks/transitionRequests';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../databricksEmulator/databricksEmulator';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

const REVIEWER_TOKEN = 'dapi-ui-reviewer-0001';
const SCIENTIST_TOKEN = 'dapi-ui-scientist-0002';

describe('Databricks stage transition requests in the real workbench', () => {
  let emulator: DatabricksEmulator;
  let workbench: Workbench;
  let mlflow: MlflowRestClient;
  const model = uniqueName('ui-dbx-model');

  before(async () => {
    const { url } = await useMlflowServer();
    mlflow = new MlflowRestClient({ baseUrl: url });
    emulator = await startDatabricksEmulator({
      mlflowTrackingUri: url,
      python: venvPython,
      tokens: [REVIEWER_TOKEN],
      users: [{ token: SCIENTIST_TOKEN, userName: 'data.scientist@example.com', canManageModels: false }],
    });
    const reviewer = new MlflowRestClient({ baseUrl: emulator.url, token: REVIEWER_TOKEN });
    const scientist = new MlflowRestClient({ baseUrl: emulator.url, token: SCIENTIST_TOKEN });
    const run = await reviewer.createRun(await reviewer.createExperiment(uniqueName('/Users/ui-dbx')), 'train');
    await reviewer.createRegisteredModel(model);
    for (let i = 0; i < 2; i++) await reviewer.createModelVersion(model, `runs:/${run.run_id}/model`, run.run_id);
    await reviewer.transitionModelVersionStage(model, '1', 'Staging', false);
    await createTransitionRequest(scientist, { name: model, version: '2', stage: 'Staging', comment: 'beats v1 on rmse' });
    workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': 'databricks' },
      env: { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: REVIEWER_TOKEN, DATABRICKS_CONFIG_PROFILE: '' },
    });
  });
  after(async () => {
    await workbench?.close();
    await emulator?.stop();
  });

  it('shows the open request and its activity, and approving it moves the stages', async () => {
    const page = workbench.page;
    await workbench.openViewContainer('MLflow');
    // The emulator fronts the shared MLflow server: other tests' models can fill the view, so each
    // row is reached with the keyboard from the one above it.
    await workbench.focusRow('Model Registry', /aliases, stages, transition requests/);
    await workbench.revealBelowFocus('Model Registry', model);
    await workbench.expand('Model Registry', model);
    await workbench.revealBelowFocus('Model Registry', 'Version 2');
    await workbench.expand('Model Registry', 'Version 2');
    await workbench.revealBelowFocus('Model Registry', /^Transition Requests/);
    await workbench.expand('Model Registry', /^Transition Requests/);
    await workbench.revealBelowFocus('Model Registry', '→ Staging');
    const request = workbench.treeItem('Model Registry', '→ Staging');
    assert.match(await request.innerText(), /data\.scientist@example\.com/);

    await request.click({ button: 'right' });
    const approve = page.locator('.monaco-menu .action-item', { hasText: 'Approve Transition Request' }).first();
    await approve.waitFor({ timeout: 20_000 });
    await approve.hover();
    await page.keyboard.press('Enter');
    const archive = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Archive the versions now in Staging' }).first();
    await archive.waitFor({ timeout: 20_000 });
    await archive.click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Approve' }).waitFor({ timeout: 20_000 });
    await page.locator('.quick-input-widget input').fill('ship it');
    await page.keyboard.press('Enter');

    // Only the touched version is redrawn: it is in Staging now, with the approval in its activity.
    await workbench.revealBelowFocus('Model Registry', /Version 2.*Staging/, 80, 'ArrowUp');
    await workbench.revealBelowFocus('Model Registry', /^Activity/);
    await workbench.expand('Model Registry', /^Activity/);
    await workbench.revealBelowFocus('Model Registry', /approved None → Staging \("ship it"\)/);
    await workbench.screenshot('databricks-transition-requests');

    // The real MLflow server behind the workspace moved both versions.
    assert.equal((await mlflow.getModelVersion(model, '2')).current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(model, '1')).current_stage, 'Archived');
  });
});
