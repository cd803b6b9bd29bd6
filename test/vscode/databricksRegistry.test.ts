import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTransitionRequest } from '../../src/engine/databricks/transitionRequests';
import { waitForServingEndpoint } from '../../src/engine/databricks/servingEndpoints';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { copyFixture, venvPython } from '../support/repoPaths';
import { logDiabetesModel } from '../support/loggedModel';
import { runHostSuite } from '../support/workbench';

const REVIEWER_TOKEN = 'dapi-host-reviewer-0001';
const SCIENTIST_TOKEN = 'dapi-host-scientist-0002';

describe('Databricks registry workflow in the real extension host', () => {
  let emulator: DatabricksEmulator | undefined;
  after(async () => {
    await emulator?.stop();
  });

  it('transition requests, activity and serving endpoints of a Databricks connection (databricksRegistry.host)', { timeout: 400_000 }, async () => {
    const { url } = await useMlflowServer();
    emulator = await startDatabricksEmulator({
      mlflowTrackingUri: url,
      python: venvPython,
      tokens: [REVIEWER_TOKEN],
      users: [{ token: SCIENTIST_TOKEN, userName: 'data.scientist@example.com', canManageModels: false }],
    });
    const reviewer = new MlflowRestClient({ baseUrl: emulator.url, token: REVIEWER_TOKEN });
    const scientist = new MlflowRestClient({ baseUrl: emulator.url, token: SCIENTIST_TOKEN });
    const logged = await logDiabetesModel(url, uniqueName('host-dbx'));
    const model = uniqueName('host-dbx-model');
    await reviewer.createRegisteredModel(model);
    for (let i = 0; i < 2; i++) await reviewer.createModelVersion(model, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
    await reviewer.transitionModelVersionStage(model, '1', 'Staging', false);
    await createTransitionRequest(scientist, { name: model, version: '2', stage: 'Staging', comment: 'beats v1' });
    const endpoint = uniqueName('host-endpoint').slice(0, 60);
    await reviewer.requestJson('POST', 'api/2.0/serving-endpoints', { json: { name: endpoint, config: { served_entities: [{ entity_name: model, entity_version: '1' }] } } });
    await waitForServingEndpoint(reviewer, endpoint, { timeoutMs: 200_000, pollIntervalMs: 500 });

    await runHostSuite('databricksRegistry.host.js', {
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': 'databricks' },
      env: { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: REVIEWER_TOKEN, DATABRICKS_CONFIG_PROFILE: '', MLFLOW_WB_DBX_MODEL: model, MLFLOW_WB_DBX_ENDPOINT: endpoint, MLFLOW_WB_DBX_EXPECTED: JSON.stringify(logged.expected_example) },
    });
    // What the host approved really moved the stages on the MLflow server.
    const mlflow = new MlflowRestClient({ baseUrl: url });
    assert.equal((await mlflow.getModelVersion(model, '2')).current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(model, '1')).current_stage, 'Archived');
  });
});
