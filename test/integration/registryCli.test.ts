// `mlflow-wb models register|stage|alias`, in process with captured output, against a real server.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { modelsRegistryCommands } from '../../src/cli/modelsRegistryCommands';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runCliCaptured } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(modelsRegistryCommands, args);
}

describe('mlflow-wb models register/stage/alias (real server)', () => {
  let url: string;
  let client: MlflowRestClient;
  const runIds: string[] = [];
  let name: string;

  before(async () => {
    url = (await useMlflowServer()).url;
    client = new MlflowRestClient({ baseUrl: url });
    const experimentId = await client.createExperiment(uniqueName('registry-cli'));
    for (let i = 0; i < 2; i++) runIds.push((await client.createRun(experimentId, `reg-run-${i}`)).run_id);
    name = uniqueName('registry-cli-model');
  });

  it('registers versions from runs, creating the model once', async () => {
    const first = await cli(['models', 'register', '--tracking-uri', url, '--run-id', runIds[0], '--name', name, '--description', 'first']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`Created registered model ${name}; registered ${name} version 1 from .*${runIds[0]}.*/model`));
    const second = await cli(['models', 'register', '--tracking-uri', url, '--run-id', runIds[1], '--path', 'model', '--name', name, '--format', 'json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { version: string }).version, '2');
    const v1 = await client.getModelVersion(name, '1');
    assert.equal(v1.run_id, runIds[0]);
    assert.equal(v1.description, 'first');
    assert.equal((await client.getModelVersion(name, '2')).run_id, runIds[1]);
  });

  it('registers from model URIs as MLflow writes them: runs:/, models:/name/version, models:/name@alias', async () => {
    const other = uniqueName('registry-cli-uri');
    const fromRun = await cli(['models', 'register', '--tracking-uri', url, '--model-uri', `runs:/${runIds[1]}/model`, '--name', other]);
    assert.equal(fromRun.code, 0, fromRun.stderr);
    assert.match(fromRun.stdout, new RegExp(`registered ${other} version 1 from .*${runIds[1]}.*/model \\(run ${runIds[1]}\\)`));
    const fromVersion = await cli(['models', 'register', '--tracking-uri', url, '-m', `models:/${name}/1`, '--name', other]);
    assert.equal(fromVersion.code, 0, fromVersion.stderr);
    await client.setRegisteredModelAlias(name, 'uri-test', '2');
    const fromAlias = await cli(['models', 'register', '--tracking-uri', url, '--model-uri', `models:/${name}@uri-test`, '--name', other]);
    assert.equal(fromAlias.code, 0, fromAlias.stderr);
    const [v1, v2, v3] = await Promise.all(['1', '2', '3'].map((v) => client.getModelVersion(other, v)));
    assert.deepEqual([v1.run_id, v2.run_id, v3.run_id], [runIds[1], runIds[0], runIds[1]]);
    assert.equal(v2.source, (await client.getModelVersion(name, '1')).source);
    const bad = await cli(['models', 'register', '--tracking-uri', url, '--model-uri', 's3://bucket/model', '--name', other]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--model-uri must be runs:\/<run id>\/<path>, models:\/<model id>/);
    const both = await cli(['models', 'register', '--tracking-uri', url, '--model-uri', `runs:/${runIds[1]}/model`, '--run-id', runIds[1], '--name', other]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --model-uri URI, --run-id ID \(with --path\) or --model-id ID/);
  });

  it('moves versions between stages, archiving the others when asked', async () => {
    assert.equal((await cli(['models', 'stage', '--tracking-uri', url, '--name', name, '--version', '1', '--stage', 'Production'])).code, 0);
    const moved = await cli(['models', 'stage', '--tracking-uri', url, '--name', name, '--version', '2', '--stage', 'production', '--archive-existing']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /version 2 is now in Production \(other versions in that stage archived\)/);
    assert.equal((await client.getModelVersion(name, '1')).current_stage, 'Archived');
    assert.equal((await client.getModelVersion(name, '2')).current_stage, 'Production');
  });

  it('sets, moves and deletes an alias', async () => {
    const set = await cli(['models', 'alias', '--tracking-uri', url, '--name', name, '--alias', 'champion', '--version', '1']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await client.getModelVersionByAlias(name, 'champion')).version, '1');
    const move = await cli(['models', 'alias', '--tracking-uri', url, '--name', name, '--alias', '@champion', '--version', '2']);
    assert.match(move.stdout, /Moved @champion of .* from version 1 to 2/);
    assert.equal((await client.getModelVersionByAlias(name, 'champion')).version, '2');
    const del = await cli(['models', 'alias', '--tracking-uri', url, '--name', name, '--alias', 'champion', '--delete']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /Deleted @champion .*was version 2/);
    await assert.rejects(client.getModelVersionByAlias(name, 'champion'), (err: unknown) => err instanceof MlflowApiError);
    const again = await cli(['models', 'alias', '--tracking-uri', url, '--name', name, '--alias', 'champion', '--delete']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has no alias @champion/);
  });

  it('answers usage mistakes with exit code 2 and server refusals with 1', async () => {
    const noName = await cli(['models', 'register', '--tracking-uri', url, '--run-id', runIds[0]]);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--name NAME is required\nUsage: mlflow-wb models register/);
    assert.equal((await cli(['models', 'stage', '--tracking-uri', url, '--name', name, '--version', '1', '--stage', 'Prod'])).code, 2);
    assert.equal((await cli(['models', 'alias', '--tracking-uri', url, '--name', name, '--alias', 'x', '--version', '1', '--delete'])).code, 2);
    const missing = await cli(['models', 'stage', '--tracking-uri', url, '--name', uniqueName('absent'), '--version', '1', '--stage', 'Staging']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /mlflow-wb models stage: .*not found/i);
  });
});
