// Artifacts, MLflow 3 logged models and the model registry, against a real `mlflow server`;
// the run with an artifact and a logged model is written by MLflow's own Python client.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { collectAll, MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { venvPython } from '../support/repoPaths';

const LOG_RUN_WITH_MODEL = `
import json, sys
import mlflow
from mlflow.pyfunc import PythonModel

class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input

mlflow.set_experiment(sys.argv[1])
with mlflow.start_run(run_name="with-model") as run:
    mlflow.log_text("hello artifact", "notes/hello.txt")
    mlflow.log_dict({"a": 1}, "config.json")
    # pip_requirements given: skips requirement inference, which would take seconds.
    info = mlflow.pyfunc.log_model(name="echo", python_model=Echo(), pip_requirements=["mlflow"])
print(json.dumps({"run_id": run.info.run_id, "experiment_id": run.info.experiment_id, "model_id": info.model_id}))
`;

function runPython(script: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython, ['-c', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}:\n${err}`))));
  });
}

describe('MLflow REST client: artifacts, logged models, registry (real server)', () => {
  let client: MlflowRestClient;
  let logged: { run_id: string; experiment_id: string; model_id: string };

  before(async () => {
    const { url } = await useMlflowServer();
    client = new MlflowRestClient({ baseUrl: url, timeoutMs: 60_000 });
    const out = await runPython(LOG_RUN_WITH_MODEL, [uniqueName('py-logged')], { MLFLOW_TRACKING_URI: url });
    logged = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as typeof logged;
  });

  it("lists a run's artifacts and folders, and downloads a file through the artifact proxy", async () => {
    const root = await client.listArtifacts(logged.run_id);
    assert.match(root.rootUri ?? '', /^mlflow-artifacts:/);
    assert.deepEqual(root.files.map((f) => [f.path, f.is_dir]).sort(), [
      ['config.json', false],
      ['notes', true],
    ]);
    const notes = await client.listArtifacts(logged.run_id, 'notes');
    assert.deepEqual(notes.files, [{ path: 'notes/hello.txt', is_dir: false, file_size: 14 }]);
    assert.equal((await client.downloadArtifact(logged.run_id, 'notes/hello.txt')).toString('utf8'), 'hello artifact');
    assert.deepEqual(JSON.parse((await client.downloadArtifact(logged.run_id, 'config.json')).toString('utf8')), { a: 1 });
    await assert.rejects(client.downloadArtifact(logged.run_id, 'notes/missing.txt'), (err: unknown) => {
      return err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST' && /No such artifact/.test(err.message);
    });
  });

  it('uploads through the artifact proxy and reads back bytes exactly', async () => {
    const exp = await client.createExperiment(uniqueName('upload'));
    const run = await client.createRun(exp, 'uploader');
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    await client.uploadArtifact(run.run_id, 'bin/data file.bin', bytes);
    const listing = await client.listArtifacts(run.run_id, 'bin');
    assert.deepEqual(listing.files, [{ path: 'bin/data file.bin', is_dir: false, file_size: bytes.length }]);
    assert.deepEqual(await client.downloadArtifact(run.run_id, 'bin/data file.bin'), bytes);
    await assert.rejects(client.downloadArtifact(run.run_id, '../other/x'), /must not contain '\.\.'/);
  });

  it("finds the run's logged models (MLflow 3) by source_run_id", async () => {
    const page = await client.searchLoggedModels({ experimentIds: [logged.experiment_id], filter: `source_run_id = '${logged.run_id}'` });
    assert.equal(page.items.length, 1);
    const model = page.items[0].info;
    assert.equal(model.model_id, logged.model_id);
    assert.equal(model.name, 'echo');
    assert.equal(model.source_run_id, logged.run_id);
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    const none = await client.searchLoggedModels({ experimentIds: [logged.experiment_id], filter: "source_run_id = '0123456789abcdef0123456789abcdef'" });
    assert.deepEqual(none.items, []);
  });

  it('registers versions, moves stages with archiving, and sets aliases', async () => {
    const name = uniqueName('registry');
    const created = await client.createRegisteredModel(name, 'demo model');
    assert.equal(created.name, name);
    const source = `models:/${logged.model_id}`;
    const v1 = await client.createModelVersion(name, source, logged.run_id, { modelId: logged.model_id });
    const v2 = await client.createModelVersion(name, source, logged.run_id, { modelId: logged.model_id });
    assert.deepEqual([v1.version, v2.version], ['1', '2']);

    await client.transitionModelVersionStage(name, '1', 'Production', false);
    const promoted = await client.transitionModelVersionStage(name, '2', 'Production', true);
    assert.equal(promoted.current_stage, 'Production');
    assert.equal((await client.getModelVersion(name, '1')).current_stage, 'Archived');

    await client.setRegisteredModelAlias(name, 'champion', '2');
    await client.setRegisteredModelAlias(name, 'challenger', '1');
    const model = await client.getRegisteredModel(name);
    assert.equal(model.description, 'demo model');
    assert.deepEqual(
      [...(model.aliases ?? [])].sort((a, b) => a.alias.localeCompare(b.alias)),
      [
        { alias: 'challenger', version: '1' },
        { alias: 'champion', version: '2' },
      ],
    );
    const champion = await client.getModelVersionByAlias(name, 'champion');
    assert.equal(champion.version, '2');
    assert.deepEqual(champion.aliases, ['champion']);
    await client.deleteRegisteredModelAlias(name, 'challenger');
    await assert.rejects(client.getModelVersionByAlias(name, 'challenger'), /registered-models\/alias: Registered model alias challenger not found/);

    const versions = await collectAll((pageToken) =>
      client.searchModelVersions({ filter: `name = '${name}'`, maxResults: 1, pageToken, orderBy: ['version_number DESC'] }),
    );
    assert.deepEqual(
      versions.map((v) => v.version),
      ['2', '1'],
    );
    assert.equal(versions[0].run_id, logged.run_id);
    const found = await client.searchRegisteredModels({ filter: `name = '${name}'` });
    assert.deepEqual(
      found.items.map((m) => m.name),
      [name],
    );
  });

  it('reports the server version', async () => {
    assert.match(await client.getServerVersion(), /^\d+\.\d+\.\d+/);
  });
});
