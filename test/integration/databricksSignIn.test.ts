// Signing in the way Databricks users do today: a `~/.databrickscfg` profile with
// `auth_type = databricks-cli` (after `databricks auth login`) or `azure-cli` (after `az login`), no
// personal access token anywhere. The built CLI (dist/cli.js) against the workspace emulator, with the
// fake `databricks` and `az` executables of test/fixtures/fake-cli handing out the tokens.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { createTransitionRequest, describeActivity, listModelVersionActivities, listTransitionRequests } from '../../src/engine/databricks/transitionRequests';
import { runBuiltCli } from '../support/cliCapture';
import { fakeAzureCli, fakeDatabricksCli, type FakeCli, type FakeDatabricksCli } from '../support/fakeClis';
import { assertPredictionsClose, logDiabetesModel, type LoggedDiabetesModel } from '../support/loggedModel';
import { SCIENTIST, serveModelVersion, useRegistryWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { copyFixture, makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

const CLI_TOKEN = 'eyJraWQiOiJmYWtlIn0.cli-user-token.c2lnbmF0dXJl';
const AZ_TOKEN = 'eyJ0eXAiOiJKV1QifQ.azure-user-token.c2ln';

describe('signing in with the Databricks CLI or the Azure CLI (built CLI, emulator, fake CLIs)', { timeout: 400_000 }, () => {
  const dbx = useRegistryWorkspace();
  let databricks: FakeDatabricksCli;
  let az: FakeCli;
  let configFile: string;
  let experimentName: string;
  let model: string;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    const result = await runBuiltCli(args, {
      ...databricks.env,
      FAKE_AZ_STATE: az.env.FAKE_AZ_STATE!,
      FAKE_AZ_LOG: az.env.FAKE_AZ_LOG!,
      DATABRICKS_CONFIG_FILE: configFile,
    });
    const all = result.stdout + result.stderr;
    for (const secret of [CLI_TOKEN, AZ_TOKEN, dbx.adminToken, dbx.scientistToken])
      assert.ok(!all.includes(secret), `a token was printed by ${args.join(' ')}`);
    return { ...result, ms: Date.now() - started };
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
    databricks = fakeDatabricksCli();
    databricks.signIn('dev', dbx.emulator.url, CLI_TOKEN, new Date(Date.now() + 3600_000));
    dbx.emulator.addToken(CLI_TOKEN);
    az = fakeAzureCli(AZ_TOKEN);
    dbx.emulator.addToken(AZ_TOKEN);
    configFile = path.join(makeTempDir('signin-config'), 'databrickscfg');
    fs.writeFileSync(
      configFile,
      [
        '[dev]',
        `host = ${dbx.emulator.url}`,
        'auth_type = databricks-cli',
        '',
        // A profile the CLI does not know by this name: `--profile` fails, `--host` finds the sign-in.
        '[renamed]',
        `host = ${dbx.emulator.url}/`,
        'auth_type = databricks-cli',
        '',
        '[elsewhere]',
        'host = http://127.0.0.1:9',
        'auth_type = databricks-cli',
        '',
        '[azure]',
        `host = ${dbx.emulator.url}`,
        'auth_type = azure-cli',
        'azure_tenant_id = tenant-1',
        '',
      ].join('\n'),
    );
    experimentName = `/Users/emulated.user@example.com/${uniqueName('signin')}`;
    const experimentId = await dbx.admin.createExperiment(experimentName);
    const run = await dbx.admin.createRun(experimentId, 'signed-in-run');
    // Transition requests need a registered version only; the served model is logged by its own test.
    model = uniqueName('signin-model');
    await dbx.admin.createRegisteredModel(model);
    await dbx.admin.createModelVersion(model, `runs:/${run.run_id}/model`, run.run_id);
  });

  it('lists experiments and runs with an auth_type = databricks-cli profile, asking `databricks auth token --profile`', async () => {
    const experiments = await cli(['experiments', 'list', '--tracking-uri', 'databricks://dev']);
    assert.equal(experiments.code, 0, experiments.stderr);
    assert.ok(experiments.stdout.includes(experimentName), experiments.stdout);
    const runs = await cli(['runs', 'list', '--experiment', experimentName, '--tracking-uri', 'databricks://dev']);
    assert.equal(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, /signed-in-run/);
    assert.deepEqual(databricks.calls().slice(-1)[0], ['auth', 'token', '--profile', 'dev']);
    assert.ok(!databricks.calls().some((c) => c.includes('login')), 'nothing interactive was run');
  });

  it('falls back on `databricks auth token --host` when the CLI does not know the profile', async () => {
    const mark = databricks.calls().length;
    const experiments = await cli(['experiments', 'list', '--tracking-uri', 'databricks://renamed']);
    assert.equal(experiments.code, 0, experiments.stderr);
    assert.deepEqual(databricks.calls().slice(mark), [
      ['auth', 'token', '--profile', 'renamed'],
      ['auth', 'token', '--host', dbx.emulator.url],
    ]);
  });

  it('says how to sign in when the CLI has no sign-in for the profile or its host, in bounded time', async () => {
    const failed = await cli(['experiments', 'list', '--tracking-uri', 'databricks://elsewhere']);
    assert.equal(failed.code, 1);
    assert.ok(failed.ms < 30_000, `took ${failed.ms} ms`);
    assert.match(
      failed.stderr,
      /Signing in to http:\/\/127\.0\.0\.1:9 with the Databricks CLI failed: `databricks auth token --profile elsewhere` said: resolve: .*has no elsewhere profile/,
    );
    assert.match(failed.stderr, /Sign in with `databricks auth login --host http:\/\/127\.0\.0\.1:9 --profile elsewhere`/);
  });

  it('requests and approves a stage transition as the signed-in user', async () => {
    const toStaging = ['--name', model, '--version', '1', '--stage', 'Staging', '--tracking-uri', 'databricks://dev'];
    const created = await cli(['models', 'requests', 'create', ...toStaging]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Requested Staging .* \(as emulated\.user@example\.com\)/);
    const approved = await cli(['models', 'requests', 'approve', ...toStaging]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /is now in Staging/);
    assert.equal((await dbx.admin.getModelVersion(model, '1')).current_stage, 'Staging');
  });

  it("rejects a data scientist's transition request as the signed-in user: the stage stays, the workspace records who", async () => {
    await createTransitionRequest(dbx.scientist, {
      name: model,
      version: '1',
      stage: 'Production',
      comment: 'ship it',
    });
    const dev = ['--name', model, '--version', '1', '--tracking-uri', 'databricks://dev'];
    const listed = await cli(['models', 'requests', 'list', ...dev]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`Production\\s+${SCIENTIST}\\s+\\S+\\s+ship it\\s+approve,reject`));
    const mark = databricks.calls().length;
    const rejected = await cli(['models', 'requests', 'reject', ...dev, '--stage', 'Production', '--comment', 'not this week']);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, new RegExp(`Rejected the request to move ${model} version 1 to Production`));
    assert.deepEqual(databricks.calls().slice(mark), [['auth', 'token', '--profile', 'dev']]);
    assert.equal((await dbx.admin.getModelVersion(model, '1')).current_stage, 'Staging');
    assert.deepEqual(await listTransitionRequests(dbx.admin, { name: model, version: '1' }), []);
    const history = (await listModelVersionActivities(dbx.admin, { name: model, version: '1' })).map(describeActivity);
    assert.equal(history.at(-1), 'emulated.user@example.com rejected the request for Production ("not this week")');
  });

  it('signs in with an auth_type = azure-cli profile through `az account get-access-token`', async () => {
    const experiments = await cli(['experiments', 'list', '--tracking-uri', 'databricks://azure']);
    assert.equal(experiments.code, 0, experiments.stderr);
    assert.ok(experiments.stdout.includes(experimentName));
    assert.deepEqual(az.calls().slice(-1)[0], [
      'account',
      'get-access-token',
      '--resource',
      '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
      '--output',
      'json',
      '--tenant',
      'tenant-1',
    ]);
  });

  it('launches a project on Databricks (jobs protocol, job cluster, wheels) with the databricks-cli profile, no token anywhere', async () => {
    const projectDir = copyFixture('databricks-jobs-project');
    const launchExperiment = `/Users/emulated.user@example.com/${uniqueName('signin-launch')}`;
    const mark = databricks.calls().length;
    const launched = await cli([
      'run',
      projectDir,
      '--backend',
      'databricks',
      '--profile',
      'dev',
      '--backend-config',
      'cluster.json',
      '--wheels',
      '--python',
      venvPython,
      '--experiment-name',
      launchExperiment,
      '-P',
      'alpha=2',
      '-P',
      'label=signed-in',
    ]);
    assert.equal(launched.code, 0, `${launched.stderr}\n${launched.stdout}`);
    const runId = /^MLflow run id: ([0-9a-f]{32})$/m.exec(launched.stdout)?.[1];
    assert.ok(runId, launched.stdout);
    const run = await dbx.admin.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.params?.find((p) => p.key === 'label_seen')?.value, 'signed-in', 'the entry point ran on the emulated cluster');
    assert.equal(run.data.tags?.find((t) => t.key === 'mlflow.project.backend')?.value, 'databricks');
    // Every workspace and tracking call of the launch was signed with the CLI's token (cached, asked once or more).
    const asked = databricks.calls().slice(mark);
    assert.ok(asked.length > 0 && asked.every((c) => c.join(' ') === 'auth token --profile dev'), JSON.stringify(asked));
  });

  it('queries a serving endpoint with the databricks-cli profile', async () => {
    const logged: LoggedDiabetesModel = await logDiabetesModel(dbx.mlflowUrl, uniqueName('signin-served'));
    const served = uniqueName('signin-served');
    await dbx.admin.createRegisteredModel(served);
    await dbx.admin.createModelVersion(served, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
    const name = await serveModelVersion(dbx.admin, 'signin-endpoint', served, '1', 300_000);
    const answer = await cli(['endpoints', 'query', '--name', name, '--tracking-uri', 'databricks://dev']);
    assert.equal(answer.code, 0, answer.stderr);
    assertPredictionsClose(JSON.parse(answer.stdout), logged.expected_example);
  });
});
