// Local model serving end to end: a scikit-learn model logged through a real tracking server,
// registered with the CLI, served with `mlflow models serve`, and asked for predictions.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { modelsRegistryCommands } from '../../src/cli/modelsRegistryCommands';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { buildInvocationBody, invokeModel, loadInputExample } from '../../src/engine/serving/invocationRequest';
import { ModelServerError, startModelServer, type ModelServer } from '../../src/engine/serving/localModelServer';
import { processGroupAlive } from '../../src/engine/process/processGroup';
import { runCliCaptured } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { assertPredictionsClose as assertClose, logDiabetesModel as logModel, type LoggedDiabetesModel as Logged } from '../support/loggedModel';
import { makeTempDir, venvPython } from '../support/repoPaths';
import { abandonedSocket, deadPid, liveSocket, socketFolder } from '../support/socketFolders';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(modelsRegistryCommands, args);
}

describe('local model serving (real MLflow, scikit-learn)', { timeout: 240_000 }, () => {
  let url: string;
  let client: MlflowRestClient;
  let logged: Logged;
  let name: string;
  let server: ModelServer | undefined;

  before(async () => {
    url = (await useMlflowServer()).url;
    client = new MlflowRestClient({ baseUrl: url });
    logged = await logModel(url, uniqueName('serving'));
    name = uniqueName('served-model');
  });

  after(async () => {
    await server?.stop();
  });

  it('registers the logged model of a run with the CLI (as an MLflow 3 logged model)', async () => {
    const result = await cli(['models', 'register', '--tracking-uri', url, '--run-id', logged.run_id, '--name', name]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`version 1 from models:/${logged.model_id}`));
    const version = await client.getModelVersion(name, '1');
    // The REST answer has no model_id field in MLflow 3.17: the logged model is the version's source.
    assert.equal(version.source, `models:/${logged.model_id}`);
    assert.equal(version.run_id, logged.run_id);
  });

  it('finds the saved input example through the registry, the logged model and the run', async () => {
    for (const uri of [`models:/${name}/1`, `models:/${logged.model_id}`, `runs:/${logged.run_id}/model`]) {
      const example = await loadInputExample(client, uri);
      assert.ok(example, uri);
      assert.equal(example.file, 'serving_input_example.json');
      const split = (example.body as { dataframe_split: { columns: string[]; data: number[][] } }).dataframe_split;
      assert.deepEqual(split.columns, logged.columns);
      assert.equal(split.data.length, 3);
    }
  });

  it('serves the registered version and predicts what the model predicts in Python', async () => {
    server = await startModelServer({ python: venvPython, modelUri: `models:/${name}/1`, trackingUri: url, envManager: 'local' });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const example = await loadInputExample(client, `models:/${name}/1`);
    const fromExample = await invokeModel(server.url, buildInvocationBody(example!.body));
    assert.equal(fromExample.status, 200, JSON.stringify(fromExample.body));
    assert.ok(fromExample.latencyMs > 0);
    assertClose(fromExample.body, logged.expected_example);

    const split = await invokeModel(server.url, buildInvocationBody({ dataframe_split: { columns: logged.columns, data: logged.rows } }));
    assertClose(split.body, logged.expected_rows);

    const csv = [logged.columns.join(','), ...logged.rows.map((r) => r.join(','))].join('\n');
    const fromCsv = await invokeModel(server.url, buildInvocationBody(csv, 'csv'));
    assertClose(fromCsv.body, logged.expected_rows);

    const wrongColumns = await invokeModel(server.url, buildInvocationBody({ dataframe_records: [{ nope: 1 }] }));
    assert.notEqual(wrongColumns.status, 200);
  });

  it('a start removes the socket folders of killed owners, and keeps one a model server still answers in', { skip: process.platform === 'win32' }, async () => {
    const gone = deadPid();
    const suffix = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
    const empty = socketFolder(os.tmpdir(), gone, `e${suffix}x`);
    const abandoned = socketFolder(os.tmpdir(), gone, `a${suffix}x`);
    await abandonedSocket(abandoned);
    const answering = socketFolder(os.tmpdir(), gone, `l${suffix}x`);
    const live = await liveSocket(answering);
    let started: ModelServer | undefined;
    try {
      started = await startModelServer({ python: venvPython, modelUri: `runs:/${logged.run_id}/model`, trackingUri: url, envManager: 'local' });
      assert.equal(fs.existsSync(empty), false, 'the empty folder of a killed owner is removed');
      assert.equal(fs.existsSync(abandoned), false, 'the folder of a killed owner with nothing listening on its socket is removed');
      assert.ok(fs.existsSync(path.join(answering, 'uvicorn.sock')), 'a folder whose socket still answers is kept');
      // The running server's own folder carries this process's pid.
      const own = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`mlflow-wb-serve-${process.pid}-`));
      assert.ok(own.length >= 1, 'the running server has its folder');
      assert.equal((await invokeModel(started.url, buildInvocationBody({ dataframe_split: { columns: logged.columns, data: logged.rows } }))).status, 200);
    } finally {
      await started?.stop();
      await new Promise((resolve) => live.close(resolve));
      fs.rmSync(answering, { recursive: true, force: true });
    }
  });

  it('stop() ends the server and its process group', async () => {
    const pid = server!.process.pid!;
    await server!.stop();
    // Zombies are not counted: in a container whose PID 1 does not reap, ended workers linger as zombies.
    assert.equal(processGroupAlive(pid), false, 'no live process of the group is left');
    await assert.rejects(
      invokeModel(server!.url, '{"inputs": [[1]]}', { timeoutMs: 2000 }),
      /Cannot reach the model server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    server = undefined;
  });

  it('a model URI that does not exist fails with a message naming it', async () => {
    const missing = uniqueName('no-such-model');
    await assert.rejects(startModelServer({ python: venvPython, modelUri: `models:/${missing}/1`, trackingUri: url }), (err: unknown) => {
      assert.ok(err instanceof ModelServerError, String(err));
      assert.match(err.message, new RegExp(`Serving model 'models:/${missing}/1'.*failed`));
      assert.match(err.message, new RegExp(`RESOURCE_DOES_NOT_EXIST: Registered Model with name=${missing} not found`));
      return true;
    });
  });

  it('`models predict` serves, sends the saved example or a file, prints the answer and stops', async () => {
    const input = path.join(makeTempDir('predict'), 'rows.json');
    fs.writeFileSync(input, JSON.stringify({ dataframe_split: { columns: logged.columns, data: logged.rows } }));
    const result = await cli(['models', 'predict', '-m', `runs:/${logged.run_id}/model`, '--input', input, '--tracking-uri', url, '--python', venvPython]);
    assert.equal(result.code, 0, result.stderr);
    assertClose(JSON.parse(result.stdout), logged.expected_rows);
    assert.match(result.stderr, /HTTP 200 in \d+\.\d ms/);

    const fromExample = await cli(['models', 'predict', '-m', `models:/${name}/1`, '--tracking-uri', url, '--python', venvPython]);
    assert.equal(fromExample.code, 0, fromExample.stderr);
    assert.match(fromExample.stderr, /Using the model's saved input example \(serving_input_example\.json\)/);
    assertClose(JSON.parse(fromExample.stdout), logged.expected_example);

    const bad = await cli(['models', 'predict', '-m', `models:/${name}/1`, '--input', input, '--content-type', 'csv', '--tracking-uri', url]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CSV input has only a header row|CSV/);
  });
});
