import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { fakeDatabricksCli } from '../support/fakeClis';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { copyFixture, makeTempDir, venvPython } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

const ADMIN_TOKEN = 'dapi-host-signin-admin-0001';
const CLI_TOKEN = 'eyJraWQiOiJob3N0In0.host-cli-user.c2ln';
const LOGIN_TOKEN = 'eyJraWQiOiJob3N0In0.host-fresh-login.c2ln';

describe('MLflow: Sign in to Databricks… in the real extension host', () => {
  let emulator: DatabricksEmulator | undefined;
  after(async () => {
    await emulator?.stop();
  });

  it('signs in with a databricks-cli profile served by the fake Databricks CLI, and with databricks auth login (databricksSignIn.host)', { timeout: 400_000 }, async () => {
    const { url } = await useMlflowServer();
    emulator = await startDatabricksEmulator({ mlflowTrackingUri: url, python: venvPython, tokens: [ADMIN_TOKEN] });
    const admin = new MlflowRestClient({ baseUrl: emulator.url, token: ADMIN_TOKEN });
    const experimentName = `/Users/emulated.user@example.com/${uniqueName('host-signin')}`;
    const run = await admin.createRun(await admin.createExperiment(experimentName), 'host-signed-in-run');
    const model = uniqueName('host-signin-model');
    await admin.createRegisteredModel(model);
    await admin.createModelVersion(model, `runs:/${run.run_id}/model`, run.run_id);

    // No personal access token anywhere: the fake CLI hands out the tokens the emulator accepts.
    const databricks = fakeDatabricksCli();
    databricks.signIn('dev', emulator.url, CLI_TOKEN, new Date(Date.now() + 3600_000));
    emulator.addToken(CLI_TOKEN);
    databricks.setLoginToken(LOGIN_TOKEN);
    emulator.addToken(LOGIN_TOKEN, { userName: 'fresh.user@example.com' });
    const configFile = path.join(makeTempDir('host-signin-config'), 'databrickscfg');
    fs.writeFileSync(configFile, `[dev]\nhost = ${emulator.url}\nauth_type = databricks-cli\n`);

    const { log } = await runHostSuite('databricksSignIn.host.js', {
      workspace: copyFixture('example-project'),
      // The setting, not PATH: the extension host's PATH is the server's login shell's.
      settings: { 'mlflow.databricks.cliPath': databricks.path },
      env: {
        ...databricks.env,
        DATABRICKS_CONFIG_FILE: configFile,
        DATABRICKS_HOST: '',
        DATABRICKS_TOKEN: '',
        DATABRICKS_CONFIG_PROFILE: '',
        MLFLOW_TRACKING_URI: '',
        MLFLOW_WB_DBX_HOST: emulator.url,
        MLFLOW_WB_DBX_EXPERIMENT: experimentName,
        MLFLOW_WB_DBX_RUN: 'host-signed-in-run',
        MLFLOW_WB_DBX_MODEL: model,
      },
    });
    for (const token of [CLI_TOKEN, LOGIN_TOKEN, ADMIN_TOKEN]) assert.ok(!log.includes(token), 'a token reached the log');
    // The first sign-in only asked the CLI for a token; the second ran the browser login once, in a terminal.
    const calls = databricks.calls().map((c) => c.join(' '));
    assert.ok(calls.includes('auth token --profile dev'), calls.join('\n'));
    assert.equal(calls.filter((c) => c.startsWith('auth login')).length, 1, calls.join('\n'));
    assert.ok(calls.includes(`auth login --host ${emulator.url} --profile fresh`), calls.join('\n'));
    assert.match(fs.readFileSync(configFile, 'utf8'), /\[fresh\]\s+host\s+=\s+http:\/\/127\.0\.0\.1:\d+\s+auth_type = databricks-cli/);
  });
});
