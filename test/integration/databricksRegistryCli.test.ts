// `mlflow-wb models requests …` and `mlflow-wb endpoints list|query`, end to end: the built CLI
// (dist/cli.js) against the Databricks workspace emulator and the real MLflow server behind it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli } from '../support/cliCapture';
import { SCIENTIST, serveModelVersion, useRegistryWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { makeTempDir, repoRoot } from '../support/repoPaths';
import { assertPredictionsClose, logDiabetesModel, type LoggedDiabetesModel } from '../support/loggedModel';

describe('mlflow-wb models requests / endpoints (built CLI, emulator, real MLflow)', { timeout: 300_000 }, () => {
  const dbx = useRegistryWorkspace();
  let mlflow: MlflowRestClient;
  let model: string;
  let logged: LoggedDiabetesModel;

  function cli(args: string[], token = dbx.adminToken): Promise<{ code: number; stdout: string; stderr: string }> {
    return runBuiltCli(args, { DATABRICKS_HOST: dbx.emulator.url, DATABRICKS_TOKEN: token, MLFLOW_TRACKING_URI: 'databricks' });
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
    const mlflowUrl = dbx.mlflowUrl;
    mlflow = new MlflowRestClient({ baseUrl: mlflowUrl });
    logged = await logDiabetesModel(mlflowUrl, uniqueName('dbx-cli'));
    model = uniqueName('dbx-cli-model');
    await dbx.admin.createRegisteredModel(model);
    for (let i = 0; i < 2; i++) await dbx.admin.createModelVersion(model, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
    await dbx.admin.transitionModelVersionStage(model, '1', 'Staging', false);
  });

  it('requests, lists, refuses the non-manager, approves with archive, rejects, cancels and shows the history', async () => {
    const created = await cli(
      ['models', 'requests', 'create', '--name', model, '--version', '2', '--stage', 'staging', '--comment', 'better rmse'],
      dbx.scientistToken,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`Requested Staging for ${model} version 2 \\(as ${SCIENTIST}\\)`));

    const listed = await cli(['models', 'requests', 'list', '--name', model, '--version', '2']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^STAGE\s+REQUESTED BY\s+CREATED\s+COMMENT\s+YOU MAY\n/);
    assert.match(listed.stdout, new RegExp(`Staging\\s+${SCIENTIST}\\s+\\d{4}-\\S+\\s+better rmse\\s+approve,reject`));

    const denied = await cli(
      ['models', 'requests', 'approve', '--name', model, '--version', '2', '--stage', 'Staging', '--archive-existing'],
      dbx.scientistToken,
    );
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /mlflow-wb models requests approve: .*permission denied .*HTTP 403.*Can Manage/);
    assert.doesNotMatch(denied.stderr, /dapi-/, 'no token in messages');

    const approved = await cli([
      'models',
      'requests',
      'approve',
      '--name',
      model,
      '--version',
      '2',
      '--stage',
      'Staging',
      '--archive-existing',
      '--comment',
      'ok',
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /is now in Staging \(other versions in that stage archived\)/);
    assert.equal((await mlflow.getModelVersion(model, '2')).current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(model, '1')).current_stage, 'Archived');

    assert.equal((await cli(['models', 'requests', 'create', '--name', model, '--version', '2', '--stage', 'Production'], dbx.scientistToken)).code, 0);
    const rejected = await cli(['models', 'requests', 'reject', '--name', model, '--version', '2', '--stage', 'Production', '--comment', 'not yet']);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal((await cli(['models', 'requests', 'create', '--name', model, '--version', '2', '--stage', 'Production'], dbx.scientistToken)).code, 0);
    // Without --creator, the signed-in user's own request is cancelled.
    const cancelled = await cli(
      ['models', 'requests', 'cancel', '--name', model, '--version', '2', '--stage', 'Production', '--format', 'json'],
      dbx.scientistToken,
    );
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal((JSON.parse(cancelled.stdout) as { activity_type: string }).activity_type, 'CANCELLED_REQUEST');
    assert.match((await cli(['models', 'requests', 'list', '--name', model, '--version', '2'])).stdout, /No open transition requests/);

    const history = await cli(['models', 'requests', 'history', '--name', model, '--version', '2']);
    assert.equal(history.code, 0, history.stderr);
    const events = history.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^\S+\s+/, ''));
    assert.deepEqual(events, [
      `${SCIENTIST} requested None → Staging ("better rmse")`,
      `emulated.user@example.com approved None → Staging ("ok")`,
      `${SCIENTIST} requested Staging → Production`,
      `emulated.user@example.com rejected the request for Production ("not yet")`,
      `${SCIENTIST} requested Staging → Production`,
      `${SCIENTIST} cancelled the request for Production`,
    ]);
  });

  it('answers usage mistakes with exit 2 and workspace refusals with 1', async () => {
    const notDatabricks = await cli(['models', 'requests', 'list', '--name', model, '--version', '1', '--tracking-uri', 'http://127.0.0.1:9']);
    assert.equal(notDatabricks.code, 2);
    assert.match(
      notDatabricks.stderr,
      /stage transition requests exist only in Databricks workspaces, not on MLflow 127\.0\.0\.1:9: use --tracking-uri databricks/,
    );
    const badStage = await cli(['models', 'requests', 'create', '--name', model, '--version', '1', '--stage', 'Prod']);
    assert.equal(badStage.code, 2);
    assert.match(badStage.stderr, /'Prod' is not a stage/);
    const missing = await cli(['models', 'requests', 'list', '--name', model, '--version', '77']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /version '77' does not exist/);
  });

  it('lists endpoints and queries one with its model’s saved input example or a CSV file', async () => {
    const none = await cli(['endpoints', 'list']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /No serving endpoints/);
    const name = await serveModelVersion(dbx.admin, 'cli-endpoint', model, '2', 200_000);

    const listed = await cli(['endpoints', 'list']);
    assert.match(
      listed.stdout,
      new RegExp(`^NAME\\s+STATE\\s+SERVES\\s+CREATOR\\s+UPDATED\\n${name}\\s+READY\\s+${model} v2\\s+emulated\\.user@example\\.com`),
    );

    const fromExample = await cli(['endpoints', 'query', '--name', name]);
    assert.equal(fromExample.code, 0, fromExample.stderr);
    assert.match(fromExample.stderr, new RegExp(`Using the input example of models:/${model}/2`));
    assert.match(fromExample.stderr, /HTTP 200 in \d+\.\d ms/);
    assertPredictionsClose(JSON.parse(fromExample.stdout), logged.expected_example);

    const csv = path.join(makeTempDir('endpoint-query'), 'rows.csv');
    fs.writeFileSync(csv, [logged.columns.join(','), ...logged.rows.map((r) => r.join(','))].join('\n'));
    const fromCsv = await cli(['endpoints', 'query', '--name', name, '--input', csv]);
    assert.equal(fromCsv.code, 0, fromCsv.stderr);
    assertPredictionsClose(JSON.parse(fromCsv.stdout), logged.expected_rows);

    const unknown = await cli(['endpoints', 'query', '--name', 'no-such-endpoint', '--input', csv]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Serving endpoint 'no-such-endpoint' does not exist in the workspace .*mlflow-wb endpoints list/);
  });
});
