import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTransitionRequest, describeActivity, listModelVersionActivities, listTransitionRequests } from '../../src/engine/databricks/transitionRequests';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { signInCliProfile } from '../support/databricksCliProfile';
import { serveModelVersion, useRegistryWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { logDiabetesModel } from '../support/loggedModel';
import { runHostSuite } from '../support/workbench';

// The reviewer's only sign-in is `databricks auth login`: a databricks-cli profile, the token from
// `databricks auth token` (the fake CLI), no personal access token anywhere the extension looks.
describe('Databricks registry workflow in the real extension host (databricks-cli profile)', () => {
  const dbx = useRegistryWorkspace();

  it(
    'transition requests (approve, reject), activity and serving endpoints of a Databricks connection (databricksRegistry.host)',
    { timeout: 400_000 },
    async () => {
      const { emulator, mlflowUrl: url } = dbx;
      const cliProfile = signInCliProfile(emulator, { name: 'host-registry', adminToken: dbx.adminToken, otherTokens: [dbx.scientistToken] });
      const { admin } = cliProfile;
      const logged = await logDiabetesModel(url, uniqueName('host-dbx'));
      const model = uniqueName('host-dbx-model');
      await admin.createRegisteredModel(model);
      for (let i = 0; i < 2; i++) await admin.createModelVersion(model, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
      await admin.transitionModelVersionStage(model, '1', 'Staging', false);
      await createTransitionRequest(dbx.scientist, { name: model, version: '2', stage: 'Staging', comment: 'beats v1' });
      await createTransitionRequest(dbx.scientist, { name: model, version: '1', stage: 'Production', comment: 'ship v1' });
      const endpoint = await serveModelVersion(admin, 'host-endpoint', model, '1', 200_000);

      const { log } = await runHostSuite('databricksRegistry.host.js', {
        workspace: copyFixture('example-project'),
        settings: { ...cliProfile.settings, 'mlflow.trackingUri': `databricks://${cliProfile.profile}` },
        env: {
          ...cliProfile.env,
          MLFLOW_WB_DBX_MODEL: model,
          MLFLOW_WB_DBX_ENDPOINT: endpoint,
          MLFLOW_WB_DBX_EXPECTED: JSON.stringify(logged.expected_example),
        },
      });
      for (const token of cliProfile.secrets) assert.ok(!log.includes(token), 'a token reached the log');
      // Every call went through the profile's CLI sign-in.
      assert.ok(
        cliProfile.databricks.calls().some((c) => c.join(' ') === `auth token --profile ${cliProfile.profile}`),
        JSON.stringify(cliProfile.databricks.calls()),
      );
      // What the host approved and rejected is what the cliProfile and the MLflow server behind it have.
      const mlflow = new MlflowRestClient({ baseUrl: url });
      assert.equal((await mlflow.getModelVersion(model, '2')).current_stage, 'Staging');
      assert.equal((await mlflow.getModelVersion(model, '1')).current_stage, 'Archived');
      // The cliProfile recorded both answers as the CLI-signed-in user.
      const v2 = (await listModelVersionActivities(admin, { name: model, version: '2' })).map(describeActivity);
      assert.ok(v2.includes('emulated.user@example.com approved None → Staging ("approved in VS Code")'), v2.join('\n'));
      const v1 = (await listModelVersionActivities(admin, { name: model, version: '1' })).map(describeActivity);
      assert.ok(v1.includes('emulated.user@example.com rejected the request for Production ("not v1 in VS Code")'), v1.join('\n'));
      assert.deepEqual(await listTransitionRequests(admin, { name: model, version: '1' }), []);
    },
  );
});
