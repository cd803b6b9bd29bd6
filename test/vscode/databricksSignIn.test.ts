import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { signInCliProfile } from '../support/databricksCliProfile';
import { useEmulatedWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

const ADMIN_TOKEN = 'dapi-host-signin-admin-0001';
const LOGIN_TOKEN = 'eyJraWQiOiJob3N0In0.host-fresh-login.c2ln';

describe('MLflow: Sign in to Databricks… in the real extension host', () => {
  const dbx = useEmulatedWorkspace({ tokens: [ADMIN_TOKEN] });

  it(
    'signs in with a databricks-cli profile served by the fake Databricks CLI, and with databricks auth login (databricksSignIn.host)',
    { timeout: 400_000 },
    async () => {
      // No personal access token anywhere: the fake CLI hands out the tokens the emulator accepts.
      const { emulator } = dbx;
      const cliProfile = signInCliProfile(emulator, { name: 'host-signin', adminToken: ADMIN_TOKEN });
      const { admin, databricks, configFile } = cliProfile;
      const experimentName = `/Users/emulated.user@example.com/${uniqueName('host-signin')}`;
      const run = await admin.createRun(await admin.createExperiment(experimentName), 'host-signed-in-run');
      const model = uniqueName('host-signin-model');
      await admin.createRegisteredModel(model);
      await admin.createModelVersion(model, `runs:/${run.run_id}/model`, run.run_id);
      databricks.setLoginToken(LOGIN_TOKEN);
      emulator.addToken(LOGIN_TOKEN, { userName: 'fresh.user@example.com' });
      cliProfile.addSecret(LOGIN_TOKEN);

      const { log } = await runHostSuite('databricksSignIn.host.js', {
        workspace: copyFixture('example-project'),
        settings: cliProfile.settings,
        env: {
          ...cliProfile.env,
          MLFLOW_WB_DBX_HOST: emulator.url,
          MLFLOW_WB_DBX_EXPERIMENT: experimentName,
          MLFLOW_WB_DBX_RUN: 'host-signed-in-run',
          MLFLOW_WB_DBX_MODEL: model,
        },
      });
      for (const token of cliProfile.secrets) assert.ok(!log.includes(token), 'a token reached the log');
      // The first sign-in only asked the CLI for a token; the second ran the browser login once, in a terminal.
      const calls = databricks.calls().map((c) => c.join(' '));
      assert.ok(calls.includes(`auth token --profile ${cliProfile.profile}`), calls.join('\n'));
      assert.equal(calls.filter((c) => c.startsWith('auth login')).length, 1, calls.join('\n'));
      assert.ok(calls.includes(`auth login --host ${emulator.url} --profile fresh`), calls.join('\n'));
      assert.match(fs.readFileSync(configFile, 'utf8'), /\[fresh\]\s+host\s+=\s+http:\/\/127\.0\.0\.1:\d+\s+auth_type = databricks-cli/);
    },
  );
});
