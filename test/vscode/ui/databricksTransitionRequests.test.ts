// A reviewer approves a data scientist's stage transition request from the Model Registry tree of a
// Databricks connection (the local workspace emulator in front of a real MLflow server). The reviewer
// signs in as most people do: `databricks auth login`, i.e. a databricks-cli profile whose token the
// (fake) Databricks CLI hands out; no personal access token anywhere the extension looks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTransitionRequest, describeActivity, listModelVersionActivities } from '../../../src/engine/databricks/transitionRequests';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../databricksEmulator/databricksEmulator';
import { signInCliProfile, type CliProfile } from '../../support/databricksCliProfile';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

const ADMIN_TOKEN = 'dapi-ui-admin-0001';
const SCIENTIST_TOKEN = 'dapi-ui-scientist-0002';

/** Every file under `dir` (the workbench's logs: the extension host's, the MLflow channel's), as text. */
function readTree(dir: string): { files: string[]; text: string } {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) files.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { files, text: files.map((f) => fs.readFileSync(f, 'utf8')).join('\n') };
}

describe('Databricks stage transition requests in the real workbench', () => {
  let emulator: DatabricksEmulator;
  let workbench: Workbench;
  let mlflow: MlflowRestClient;
  let cliProfile: CliProfile;
  const model = uniqueName('ui-dbx-model');

  before(async () => {
    const { url } = await useMlflowServer();
    mlflow = new MlflowRestClient({ baseUrl: url });
    emulator = await startDatabricksEmulator({
      mlflowTrackingUri: url,
      python: venvPython,
      tokens: [ADMIN_TOKEN],
      users: [{ token: SCIENTIST_TOKEN, userName: 'data.scientist@example.com', canManageModels: false }],
    });
    cliProfile = signInCliProfile(emulator, { name: 'ui-transition', adminToken: ADMIN_TOKEN, otherTokens: [SCIENTIST_TOKEN] });
    const reviewer = cliProfile.admin;
    const scientist = new MlflowRestClient({ baseUrl: emulator.url, token: SCIENTIST_TOKEN });
    const run = await reviewer.createRun(await reviewer.createExperiment(uniqueName('/Users/ui-dbx')), 'train');
    await reviewer.createRegisteredModel(model);
    for (let i = 0; i < 2; i++) await reviewer.createModelVersion(model, `runs:/${run.run_id}/model`, run.run_id);
    await reviewer.transitionModelVersionStage(model, '1', 'Staging', false);
    await createTransitionRequest(scientist, { name: model, version: '2', stage: 'Staging', comment: 'beats v1 on rmse' });
    workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { ...cliProfile.settings, 'mlflow.trackingUri': `databricks://${cliProfile.profile}` },
      env: cliProfile.env,
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
    // The approval went through the profile's CLI sign-in, as the CLI-signed-in user.
    assert.ok(
      cliProfile.databricks.calls().some((c) => c.join(' ') === `auth token --profile ${cliProfile.profile}`),
      JSON.stringify(cliProfile.databricks.calls()),
    );
    const activity = (await listModelVersionActivities(cliProfile.admin, { name: model, version: '2' })).map(describeActivity);
    assert.ok(activity.includes('emulated.user@example.com approved None → Staging ("ship it")'), activity.join('\n'));

    // No token in the MLflow output channel (as shown, and as logged) nor in any log of the workbench.
    await workbench.runCommand('MLflow: Show Output');
    assert.equal(await workbench.activeOutputChannel(), 'MLflow');
    const shown = await page.locator('.part.panel .monaco-editor .view-lines').first().innerText();
    const logs = readTree(path.join(workbench.server.runDir, 'user-data', 'logs'));
    assert.ok(
      logs.files.some((f) => path.basename(f) === 'MLflow.log'),
      `no MLflow channel log among ${logs.files.map((f) => path.basename(f)).join(', ')}`,
    );
    for (const token of cliProfile.secrets) {
      assert.ok(!shown.includes(token), 'a token is shown in the MLflow output channel');
      assert.ok(!logs.text.includes(token), 'a token reached a log of the workbench');
      assert.ok(!workbench.server.log().includes(token), "a token reached code-server's output");
    }
  });
});
