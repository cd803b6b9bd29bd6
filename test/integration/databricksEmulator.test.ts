import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { DatabricksApiError, DatabricksClient } from '../../src/engine/databricks/databricksClient';
import type { JobRun, RunSubmitRequest } from '../../src/engine/databricks/databricksTypes';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { useEmulatedWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { copyFixture, makeTempDir, repoRoot } from '../support/repoPaths';
import { waitUntil } from '../support/waitUntil';

const TOKEN = 'dapi-emulator-test-token-0001';
const NEW_CLUSTER = { spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 };

describe('Databricks workspace emulator', () => {
  const dbx = useEmulatedWorkspace({ tokens: [TOKEN, 'dapi-second-accepted-token'], legacyDbfs: true });
  let mlflowUrl: string;
  let emulator: DatabricksEmulator;
  let client: DatabricksClient;
  let mlflow: MlflowRestClient;

  before(async () => {
    mlflowUrl = dbx.mlflowUrl;
    emulator = dbx.emulator;
    client = new DatabricksClient({ host: emulator.url, token: TOKEN });
    mlflow = new MlflowRestClient({ baseUrl: mlflowUrl });
  });

  async function raw(method: string, endpoint: string, options: { token?: string; json?: unknown; headers?: Record<string, string>; body?: Buffer } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(emulator.url + endpoint, { method, headers, body: options.json !== undefined ? JSON.stringify(options.json) : options.body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  async function uploadScript(name: string, source: string): Promise<string> {
    const dbfsPath = `/scripts/${uniqueName(name)}.py`;
    await client.dbfsUpload(dbfsPath, Buffer.from(source));
    return `dbfs:${dbfsPath}`;
  }

  function pythonTask(taskKey: string, pythonFile: string, parameters: string[] = []): RunSubmitRequest['tasks'][number] {
    return { task_key: taskKey, new_cluster: NEW_CLUSTER, spark_python_task: { python_file: pythonFile, parameters } };
  }

  it('answers 401 with Databricks’ body when no bearer token is sent, and 403 for an unknown token', async () => {
    const missing = await raw('GET', '/api/2.0/clusters/list');
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, { error_code: 'UNAUTHENTICATED', message: 'Credential was not sent or was of an unsupported type for this API.' });
    const wrong = await raw('GET', '/api/2.0/clusters/list', { token: 'dapi-not-a-real-token' });
    assert.equal(wrong.status, 403);
    assert.deepEqual(wrong.body, { error_code: 'PERMISSION_DENIED', message: 'Invalid access token.' });
    const second = await raw('GET', '/api/2.0/preview/scim/v2/Me', { token: 'dapi-second-accepted-token' });
    assert.equal(second.status, 200);
  });

  it('client errors name the host, say what to do, and never carry the token', async () => {
    const secret = 'dapi-leaked-secret-value';
    await assert.rejects(new DatabricksClient({ host: emulator.url, token: secret }).me(), (err: unknown) => {
      assert.ok(err instanceof DatabricksApiError);
      assert.equal(err.httpStatus, 403);
      assert.equal(err.errorCode, 'PERMISSION_DENIED');
      assert.match(err.message, new RegExp(`${emulator.url.replace(/[.]/g, '\\.')} refused the access token.*create a new personal access token`));
      assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes(secret));
      return true;
    });
    await assert.rejects(new DatabricksClient({ host: emulator.url, token: '' }).listClusters(), (err: unknown) => {
      assert.ok(err instanceof DatabricksApiError);
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /access token is missing or invalid/);
      return true;
    });
  });

  it('says which host is unreachable', async () => {
    const down = new DatabricksClient({ host: 'http://127.0.0.1:9', token: TOKEN, timeoutMs: 2000, maxRetries: 0 });
    await assert.rejects(down.me(), /Cannot reach the Databricks workspace at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });

  it('returns the signed-in user, clusters, spark versions and node types', async () => {
    const me = await client.me();
    assert.equal(me.userName, 'emulated.user@example.com');
    assert.equal(me.emails?.[0]?.value, me.userName);
    const clusters = await client.listClusters();
    assert.deepEqual(clusters.map((c) => c.state).sort(), ['RUNNING', 'TERMINATED']);
    const running = clusters.find((c) => c.state === 'RUNNING')!;
    assert.equal((await client.getCluster(running.cluster_id)).cluster_name, running.cluster_name);
    await assert.rejects(client.getCluster('0000-000000-nothere'), (err: unknown) => {
      assert.ok(err instanceof DatabricksApiError);
      assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(err.message, /Cluster 0000-000000-nothere does not exist/);
      return true;
    });
    const versions = await raw('GET', '/api/2.0/clusters/spark-versions', { token: TOKEN });
    assert.ok((versions.body.versions as { key: string }[]).some((v) => v.key === NEW_CLUSTER.spark_version));
    const nodes = await raw('GET', '/api/2.0/clusters/list-node-types', { token: TOKEN });
    assert.ok((nodes.body.node_types as { node_type_id: string }[]).some((n) => n.node_type_id === 'i3.xlarge'));
    const unknown = await raw('GET', '/api/2.0/no/such/api', { token: TOKEN });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, 'ENDPOINT_NOT_FOUND');
  });

  it('round-trips small and >1 MB files (put, then create/add-block/close), lists, moves and deletes', async () => {
    const dir = `/${uniqueName('dbfs')}`;
    await client.dbfsMkdirs(`${dir}/nested`);
    assert.deepEqual(await client.dbfsGetStatus(`${dir}/missing.txt`), undefined);

    await client.dbfsUpload(`${dir}/small.txt`, Buffer.from('hello dbfs'));
    const status = await client.dbfsGetStatus(`dbfs:${dir}/small.txt`);
    assert.equal(status?.is_dir, false);
    assert.equal(status?.file_size, 10);
    assert.equal(status?.path, `${dir}/small.txt`);

    await assert.rejects(client.dbfsUpload(`${dir}/small.txt`, Buffer.from('again')), (err: unknown) => {
      assert.ok(err instanceof DatabricksApiError);
      assert.equal(err.errorCode, 'RESOURCE_ALREADY_EXISTS');
      assert.equal(err.httpStatus, 400);
      return true;
    });
    await client.dbfsUpload(`${dir}/small.txt`, Buffer.from('replaced'), { overwrite: true });
    assert.equal((await client.dbfsRead(`${dir}/small.txt`)).toString(), 'replaced');

    const big = Buffer.alloc(2.5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
    const before = emulator.requests.length;
    await client.dbfsUpload(`${dir}/nested/big.bin`, big);
    const calls = emulator.requests.slice(before).map((r) => r.path);
    assert.deepEqual(calls, ['/api/2.0/dbfs/create', '/api/2.0/dbfs/add-block', '/api/2.0/dbfs/add-block', '/api/2.0/dbfs/add-block', '/api/2.0/dbfs/close']);
    assert.ok(fs.readFileSync(path.join(emulator.dbfsRoot, dir, 'nested', 'big.bin')).equals(big));
    const readBack = await client.dbfsRead(`${dir}/nested/big.bin`);
    assert.ok(readBack.equals(big), 'the file read back in 1 MB reads equals what was uploaded');

    const listing = await client.dbfsList(dir);
    assert.deepEqual(
      listing.map((f) => [f.path, f.is_dir]),
      [
        [`${dir}/nested`, true],
        [`${dir}/small.txt`, false],
      ],
    );
    await client.dbfsMove(`${dir}/small.txt`, `${dir}/nested/moved.txt`);
    assert.equal(await client.dbfsGetStatus(`${dir}/small.txt`), undefined);
    assert.equal((await client.dbfsGetStatus(`${dir}/nested/moved.txt`))?.file_size, 8);

    await assert.rejects(client.dbfsDelete(dir), (err: unknown) => err instanceof DatabricksApiError && err.errorCode === 'IO_ERROR');
    await client.dbfsDelete(dir, { recursive: true });
    assert.equal(await client.dbfsGetStatus(dir), undefined);
    await assert.rejects(
      client.dbfsList(dir),
      (err: unknown) => err instanceof DatabricksApiError && err.httpStatus === 404 && err.errorCode === 'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('enforces the documented 1 MB limits and path rules, and accepts the multipart form put', async () => {
    const dir = `/${uniqueName('limits')}`;
    const tooBig = Buffer.alloc(1024 * 1024 + 1, 7).toString('base64');
    const put = await raw('POST', '/api/2.0/dbfs/put', { token: TOKEN, json: { path: `${dir}/x`, contents: tooBig } });
    assert.equal(put.status, 400);
    assert.equal(put.body.error_code, 'MAX_BLOCK_SIZE_EXCEEDED');
    const relative = await raw('GET', '/api/2.0/dbfs/get-status?path=relative/file', { token: TOKEN });
    assert.equal(relative.status, 400);
    assert.equal(relative.body.error_code, 'INVALID_PARAMETER_VALUE');
    const missingHandle = await raw('POST', '/api/2.0/dbfs/add-block', { token: TOKEN, json: { handle: 987654321, data: 'aGk=' } });
    assert.equal(missingHandle.body.error_code, 'RESOURCE_DOES_NOT_EXIST');

    const form = new FormData();
    form.append('path', `${dir}/form.bin`);
    form.append('overwrite', 'false');
    form.append('contents', new Blob([Buffer.alloc(1536 * 1024, 3)]), 'form.bin');
    const formPut = await fetch(`${emulator.url}/api/2.0/dbfs/put`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: form });
    assert.equal(formPut.status, 200, await formPut.text());
    assert.equal((await client.dbfsGetStatus(`${dir}/form.bin`))?.file_size, 1536 * 1024);
    const read = await raw('GET', `/api/2.0/dbfs/read?path=${dir}/form.bin&offset=10&length=${2 * 1024 * 1024}`, { token: TOKEN });
    assert.equal(read.body.error_code, 'MAX_READ_SIZE_EXCEEDED');
    const tail = await raw('GET', `/api/2.0/dbfs/read?path=${dir}/form.bin&offset=${1536 * 1024 - 4}&length=100`, { token: TOKEN });
    assert.equal(tail.body.bytes_read, 4);
    assert.deepEqual([...Buffer.from(tail.body.data as string, 'base64')], [3, 3, 3, 3]);
  });

  it('answers 429 with Retry-After, and the client retries through it', async () => {
    emulator.rateLimitNext(2, '/api/2.0/clusters/list', 1);
    const limited = await raw('GET', '/api/2.0/clusters/list', { token: TOKEN });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.body.error_code, 'REQUEST_LIMIT_EXCEEDED');
    const before = emulator.requests.length;
    const started = Date.now();
    const clusters = await client.listClusters();
    assert.equal(clusters.length, 2);
    assert.ok(Date.now() - started >= 950, 'the client waited for Retry-After');
    assert.deepEqual(
      emulator.requests.slice(before).map((r) => r.status),
      [429, 200],
    );

    emulator.rateLimitNext(2, '/api/2.0/preview/scim', 0); // exactly the two attempts of a client with one retry
    const impatient = new DatabricksClient({ host: emulator.url, token: TOKEN, maxRetries: 1 });
    await assert.rejects(impatient.me(), (err: unknown) => {
      assert.ok(err instanceof DatabricksApiError);
      assert.equal(err.httpStatus, 429);
      assert.equal(err.errorCode, 'REQUEST_LIMIT_EXCEEDED');
      assert.match(err.message, /rate-limiting .* after 1 retries/);
      return true;
    });
    assert.equal((await client.me()).userName, 'emulated.user@example.com', 'the limit is used up');
  });

  it('runs a spark_python_task that logs to MLflow through the workspace, PENDING → RUNNING → TERMINATED/SUCCESS', async () => {
    const experimentId = await mlflow.createExperiment(uniqueName('emulator-python-task'));
    const file = await uploadScript(
      'log_to_mlflow',
      [
        'import os, sys, mlflow',
        'assert os.environ["DATABRICKS_HOST"].startswith("http")',
        'mlflow.set_tracking_uri("databricks")  # through the workspace, as on a cluster',
        'with mlflow.start_run(experiment_id=sys.argv[1]) as run:',
        '    mlflow.log_param("alpha", sys.argv[2])',
        '    mlflow.log_metric("rmse", 0.25)',
        '    print(f"mlflow_run_id={run.info.run_id}")',
      ].join('\n'),
    );
    emulator.setRunDelay(400);
    const states: string[] = [];
    let runId: number;
    try {
      runId = await client.submitRun({
        run_name: 'python task',
        tasks: [{ ...pythonTask('train', file, [experimentId, '0.7']), libraries: [{ pypi: { package: 'scikit-learn' } }] }],
      });
    } finally {
      emulator.setRunDelay(0);
    }
    const run = await client.waitForRun(runId, { pollIntervalMs: 150, timeoutMs: 60_000, onState: (r) => states.push(r.state.life_cycle_state) });
    const output = await client.getRunOutput(run.tasks![0]!.run_id);
    assert.equal(run.state.result_state, 'SUCCESS', `${run.state.state_message}\n${output.logs}`);
    // TERMINATING is brief: a poll may or may not see it.
    assert.deepEqual(
      states.filter((s) => s !== 'TERMINATING'),
      ['PENDING', 'RUNNING', 'TERMINATED'],
    );
    assert.equal(run.tasks?.[0]?.state.result_state, 'SUCCESS');
    assert.match(run.run_page_url ?? '', new RegExp(`^${emulator.url}/\\?o=\\d+#job/\\d+/run/${runId}$`));
    assert.ok((run.setup_duration ?? 0) >= 350, `setup_duration ${run.setup_duration} covers the cluster start`);
    assert.ok((run.end_time ?? 0) >= (run.start_time ?? Infinity));
    const mlflowRunId = /mlflow_run_id=(\w+)/.exec(output.logs ?? '')?.[1];
    assert.ok(mlflowRunId, `the task printed its MLflow run id:\n${output.logs}`);
    const logged = await mlflow.getRun(mlflowRunId);
    assert.equal(logged.info.experiment_id, experimentId);
    assert.deepEqual(logged.data.params, [{ key: 'alpha', value: '0.7' }]);
    assert.equal(logged.info.status, 'FINISHED');
    // Jobs 2.0 describes the same single-task run too.
    const v20 = await raw('GET', `/api/2.0/jobs/runs/get?run_id=${runId}`, { token: TOKEN });
    assert.equal((v20.body.state as JobRun['state']).result_state, 'SUCCESS');
  });

  it('reports a failing task as FAILED with its exception in get-output, and skips what depended on it', async () => {
    const failing = await uploadScript('fail', 'import sys\nprint("starting")\nraise ValueError(f"alpha must be positive, got {sys.argv[1]}")\n');
    const after = await uploadScript('after', 'print("never runs")\n');
    const runId = await client.submitRun({
      run_name: 'failing',
      tasks: [pythonTask('prepare', failing, ['-1']), { ...pythonTask('train', after), depends_on: [{ task_key: 'prepare' }] }],
    });
    const run = await client.waitForRun(runId, { pollIntervalMs: 100, timeoutMs: 30_000 });
    assert.equal(run.state.life_cycle_state, 'TERMINATED');
    assert.equal(run.state.result_state, 'FAILED');
    assert.match(run.state.state_message ?? '', /Task prepare failed with message: ValueError: alpha must be positive, got -1/);
    const [prepare, train] = run.tasks!;
    assert.equal(train!.state.life_cycle_state, 'SKIPPED');
    const output = await client.getRunOutput(prepare!.run_id);
    assert.equal(output.error, 'ValueError: alpha must be positive, got -1');
    assert.match(output.error_trace ?? '', /^Traceback \(most recent call last\):/);
    assert.match(output.logs ?? '', /starting/);
    await assert.rejects(client.getRunOutput(runId), /Retrieving the output of runs with multiple tasks is not supported/);
  });

  it('cancels a running task: CANCELED, and its process group is gone', async () => {
    const pidFile = path.join(makeTempDir('cancel'), 'pid');
    const sleeper = await uploadScript('sleep', `import os, time\nopen(${JSON.stringify(pidFile)}, "w").write(str(os.getpid()))\ntime.sleep(120)\n`);
    const runId = await client.submitRun({ tasks: [pythonTask('sleep', sleeper)] });
    await waitUntil('the task started (wrote its pid)', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '', {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    assert.equal((await client.getRun(runId)).state.life_cycle_state, 'RUNNING');
    await client.cancelRun(runId);
    const run = await client.waitForRun(runId, { pollIntervalMs: 100, timeoutMs: 15_000 });
    assert.equal(run.state.life_cycle_state, 'TERMINATED');
    assert.equal(run.state.result_state, 'CANCELED');
    assert.equal(run.state.user_cancelled_or_timedout, true);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the task process was killed');
    await assert.rejects(client.getRun(424242), /Run 424242 does not exist/);
  });

  it('fails a run whose cluster cannot start, with a clear state_message', async () => {
    emulator.failNextRun('Cluster start failed: the instance type i3.xlarge is out of capacity (emulated).');
    const marker = path.join(makeTempDir('never'), 'ran');
    const script = await uploadScript('never', `open(${JSON.stringify(marker)}, "w").write("ran")\n`);
    const runId = await client.submitRun({ tasks: [pythonTask('t', script)] });
    const run = await client.waitForRun(runId, { pollIntervalMs: 100, timeoutMs: 10_000 });
    assert.equal(run.state.life_cycle_state, 'INTERNAL_ERROR');
    assert.equal(run.state.result_state, 'FAILED');
    assert.equal(run.state.state_message, 'Cluster start failed: the instance type i3.xlarge is out of capacity (emulated).');
    assert.equal(fs.existsSync(marker), false, 'no task ran');
  });

  it('refuses malformed submissions as the Jobs API does', async () => {
    const noCluster = await raw('POST', '/api/2.1/jobs/runs/submit', {
      token: TOKEN,
      json: { tasks: [{ task_key: 'a', spark_python_task: { python_file: 'dbfs:/x.py' } }] },
    });
    assert.equal(noCluster.status, 400);
    assert.equal(noCluster.body.error_code, 'INVALID_PARAMETER_VALUE');
    // No compute means serverless, which needs an environment (Jobs 2.1+).
    assert.match(String(noCluster.body.message), /An environment is required for serverless task a/);
    const notebook = await raw('POST', '/api/2.1/jobs/runs/submit', {
      token: TOKEN,
      json: { tasks: [{ task_key: 'a', existing_cluster_id: '0101-120000-emurun01', notebook_task: { notebook_path: '/x' } }] },
    });
    assert.match(String(notebook.body.message), /notebook_task is not supported/);
  });

  it('forwards /api/2.0/mlflow and /ajax-api/2.0/mlflow to the tracking server after the bearer check', async () => {
    const name = uniqueName('via-workspace');
    const denied = await raw('POST', '/api/2.0/mlflow/experiments/create', { json: { name } });
    assert.equal(denied.status, 401);
    const created = await raw('POST', '/api/2.0/mlflow/experiments/create', { token: TOKEN, json: { name } });
    assert.equal(created.status, 200);
    const viaAjax = await raw('GET', `/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`, { token: TOKEN });
    assert.equal((viaAjax.body.experiment as { experiment_id: string }).experiment_id, created.body.experiment_id);
    const throughClient = new MlflowRestClient({ baseUrl: emulator.url, token: TOKEN });
    const run = await throughClient.createRun(String(created.body.experiment_id), 'proxied');
    assert.equal((await mlflow.getRun(run.run_id)).info.run_name, 'proxied');
    const missing = await raw('GET', '/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef', { token: TOKEN });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('runs a real `mlflow run -b databricks` end to end: tarball in DBFS, job TERMINATED/SUCCESS, MLflow run with its param', async () => {
    const project = copyFixture('databricks-project');
    const experimentId = await mlflow.createExperiment(uniqueName('mlflow-run-databricks'));
    const home = makeTempDir('databricks-home');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(DATABRICKS_|MLFLOW_)/.test(k)) env[k] = v;
    Object.assign(env, { HOME: home, DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: TOKEN, MLFLOW_TRACKING_URI: 'databricks', PYTHONUNBUFFERED: '1' });
    const before = emulator.requests.length;
    const args = [
      'run',
      project,
      '-b',
      'databricks',
      '--backend-config',
      path.join(project, 'cluster.json'),
      '--experiment-id',
      experimentId,
      '--env-manager',
      'local',
      '-P',
      'alpha=0.3',
    ];
    const launched = await runProcess(path.join(repoRoot, '.venv', 'bin', 'mlflow'), args, env);
    assert.equal(launched.code, 0, launched.output);

    const tarballs = fs.readdirSync(path.join(emulator.dbfsRoot, 'mlflow-experiments', experimentId, 'projects-code'));
    assert.equal(tarballs.length, 1);
    const tarball = path.join(emulator.dbfsRoot, 'mlflow-experiments', experimentId, 'projects-code', tarballs[0]!);
    assert.equal(tarballs[0], `${createHash('sha256').update(fs.readFileSync(tarball)).digest('hex')}.tar.gz`, 'named after its sha256');
    const calls = emulator.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    assert.ok(calls.includes('GET /api/2.0/dbfs/get-status'));
    assert.ok(calls.includes('POST /api/2.0/jobs/runs/submit'));

    const jobRun = (await client.listRuns()).find((r) => r.run_name === `MLflow Run for ${project}`);
    assert.ok(jobRun, 'the job run is listed');
    const finished = await client.waitForRun(jobRun.run_id, { pollIntervalMs: 250, timeoutMs: 70_000 });
    const output = await client.getRunOutput(jobRun.run_id);
    assert.equal(finished.state.result_state, 'SUCCESS', `${finished.state.state_message}\n${output.logs}`);

    const search = await fetch(`${mlflowUrl}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [experimentId] }),
    }).then(
      (r) =>
        r.json() as Promise<{
          runs?: { info: { run_id: string; status: string }; data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } }[];
        }>,
    );
    assert.equal(search.runs?.length, 1, 'one MLflow run: the launcher’s, reused on the cluster');
    const mlflowRun = search.runs![0]!;
    assert.equal(mlflowRun.info.status, 'FINISHED');
    assert.deepEqual(
      mlflowRun.data.params?.find((p) => p.key === 'alpha'),
      { key: 'alpha', value: '0.3' },
    );
    const tags = Object.fromEntries((mlflowRun.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.databricks.shellJobRunID'], String(jobRun.run_id));
    assert.equal(tags['mlflow.databricks.webappURL'], emulator.url);

    // Launching the same project again finds its tarball (same sha) and uploads nothing.
    const second = emulator.requests.length;
    const relaunched = await runProcess(path.join(repoRoot, '.venv', 'bin', 'mlflow'), args, env);
    assert.equal(relaunched.code, 0, relaunched.output);
    const secondCalls = emulator.requests.slice(second);
    assert.ok(
      secondCalls.some((r) => r.path === '/api/2.0/dbfs/get-status' && r.status === 200),
      'the tarball was found',
    );
    assert.deepEqual(
      secondCalls.filter((r) => r.path.startsWith('/dbfs/') || r.path.startsWith('/api/2.0/dbfs/put')),
      [],
    );
    const rerun = (await client.listRuns({ activeOnly: true })).find((r) => r.run_name === `MLflow Run for ${project}`);
    assert.ok(rerun, 'the second job run is active');
    await client.cancelRun(rerun.run_id);
    const cancelled = await client.waitForRun(rerun.run_id, { pollIntervalMs: 100, timeoutMs: 15_000 });
    assert.equal(cancelled.state.result_state, 'CANCELED');
    assert.equal(tags['mlflow.databricks.runURL'], finished.run_page_url);
  });
});

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
