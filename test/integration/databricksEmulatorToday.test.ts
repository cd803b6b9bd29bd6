import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { venvPython } from '../support/repoPaths';
import { waitUntil } from '../support/waitUntil';

// The emulator's default mode is a workspace of today: no DBFS root, workspace files and volumes,
// Jobs 2.1/2.2 runs/submit validated as the API reference says.
const TOKEN = 'dapi-today';
const ME = 'emulated.user@example.com';
const CLUSTER = { spark_version: '15.1.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 };
let emulator: DatabricksEmulator;

before(async () => {
  // No task here logs to MLflow: a tracking URI nothing listens on is enough.
  emulator = await startDatabricksEmulator({ mlflowTrackingUri: 'http://127.0.0.1:9', python: venvPython, tokens: [TOKEN] });
});
after(async () => {
  await emulator?.stop();
});

async function call(method: string, endpoint: string, body?: unknown, raw?: Buffer) {
  const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(emulator.url + endpoint, { method, headers, body: body !== undefined ? JSON.stringify(body) : raw });
  const text = method === 'HEAD' ? '' : await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    /* raw bytes */
  }
  return { status: response.status, json, text, headers: response.headers };
}

test('DBFS root is disabled: the DBFS API and the FUSE-style upload answer 403 PERMISSION_DENIED', async () => {
  const status = await call('GET', '/api/2.0/dbfs/get-status?path=/FileStore');
  assert.equal(status.status, 403);
  assert.deepEqual(status.json, { error_code: 'PERMISSION_DENIED', message: 'Public DBFS root is disabled. Access is denied on path: /FileStore' });
  assert.equal((await call('POST', '/api/2.0/dbfs/put', { path: '/x.txt', contents: '' })).status, 403);
  assert.equal((await call('POST', '/dbfs/mlflow-experiments/1/x.tar.gz', undefined, Buffer.from('x'))).status, 403);
  const discovery = await fetch(`${emulator.url}/.well-known/databricks-config`);
  assert.equal(discovery.status, 200, 'host discovery needs no token');
});

test('Workspace API: mkdirs, import (parent must exist, overwrite), get-status with size, list, export, delete', async () => {
  const folder = `/Workspace/Users/${ME}/today-${Date.now()}`;
  const content = Buffer.from('print("hi")\n');
  const orphan = await call('POST', '/api/2.0/workspace/import', { path: `${folder}/a.py`, content: content.toString('base64'), format: 'AUTO' });
  assert.equal(orphan.status, 404);
  assert.equal(orphan.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal((await call('POST', '/api/2.0/workspace/mkdirs', { path: folder })).status, 200);
  assert.equal((await call('POST', '/api/2.0/workspace/import', { path: `${folder}/a.py`, content: content.toString('base64'), format: 'AUTO' })).status, 200);
  const again = await call('POST', '/api/2.0/workspace/import', { path: `${folder}/a.py`, content: content.toString('base64'), format: 'AUTO' });
  assert.equal(again.json.error_code, 'RESOURCE_ALREADY_EXISTS');
  assert.equal(
    (await call('POST', '/api/2.0/workspace/import', { path: `${folder}/a.py`, content: content.toString('base64'), format: 'AUTO', overwrite: true })).status,
    200,
  );
  const info = await call('GET', `/api/2.0/workspace/get-status?path=${encodeURIComponent(`${folder}/a.py`)}`);
  assert.equal(info.json.object_type, 'FILE');
  assert.equal(info.json.size, content.length);
  assert.equal(info.json.path, `${folder.slice('/Workspace'.length)}/a.py`);
  const notebook = await call('POST', '/api/2.0/workspace/import', {
    path: `${folder}/nb.py`,
    content: Buffer.from('# Databricks notebook source\n1').toString('base64'),
    format: 'AUTO',
  });
  assert.equal(notebook.status, 200);
  const listed = await call('GET', `/api/2.0/workspace/list?path=${encodeURIComponent(folder)}`);
  assert.deepEqual(
    (listed.json.objects as { path: string; object_type: string }[]).map((o) => [o.path.split('/').pop(), o.object_type]),
    [
      ['a.py', 'FILE'],
      ['nb', 'NOTEBOOK'],
    ],
  );
  const exported = await call('GET', `/api/2.0/workspace/export?path=${encodeURIComponent(`${folder}/a.py`)}&format=SOURCE`);
  assert.equal(Buffer.from(String(exported.json.content), 'base64').toString(), content.toString());
  assert.equal((await call('POST', '/api/2.0/workspace/delete', { path: folder })).json.error_code, 'DIRECTORY_NOT_EMPTY');
  assert.equal((await call('POST', '/api/2.0/workspace/delete', { path: folder, recursive: true })).status, 200);
  assert.equal((await call('GET', `/api/2.0/workspace/get-status?path=${encodeURIComponent(folder)}`)).status, 404);
});

test('Files API on a volume: PUT (overwrite), HEAD with the size, GET, directories, DELETE; unknown volumes are refused', async () => {
  const file = `/Volumes/main/default/mlflow_wb/today/${Date.now()}/w 1.whl`;
  const url = `/api/2.0/fs/files${file.split('/').map(encodeURIComponent).join('/')}`;
  assert.equal((await call('PUT', `${url}?overwrite=false`, undefined, Buffer.from('wheel bytes'))).status, 204);
  const conflict = await call('PUT', `${url}?overwrite=false`, undefined, Buffer.from('other'));
  assert.equal(conflict.status, 409);
  assert.equal((await call('PUT', `${url}?overwrite=true`, undefined, Buffer.from('wheel bytes!'))).status, 204);
  const head = await call('HEAD', url);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '12');
  assert.equal((await call('GET', url)).text, 'wheel bytes!');
  const dir = url.slice(0, url.lastIndexOf('/')).replace('/fs/files/', '/fs/directories/');
  assert.deepEqual((await call('GET', dir)).json.contents, [
    {
      path: file,
      is_directory: false,
      file_size: 12,
      last_modified: ((await call('GET', dir)).json.contents as { last_modified: number }[])[0]!.last_modified,
      name: 'w 1.whl',
    },
  ]);
  assert.equal((await call('DELETE', url)).status, 204);
  assert.equal((await call('HEAD', url)).status, 404);
  const missingVolume = await call('PUT', '/api/2.0/fs/files/Volumes/nope/default/vol/x.txt', undefined, Buffer.from('x'));
  assert.equal(missingVolume.status, 404);
  assert.match(String(missingVolume.json.message), /Volume 'nope\.default\.vol' does not exist/);
  assert.ok(fs.existsSync(path.join(emulator.volumesRoot, 'main', 'default', 'mlflow_wb', 'today')));
});

test('runs/submit is validated as the Jobs API reference says', async () => {
  const py = { python_file: `/Workspace/Users/${ME}/x.py` };
  const submit = (body: unknown) => call('POST', '/api/2.2/jobs/runs/submit', body);
  const cases: [string, unknown, RegExp][] = [
    [
      'duplicate task_key',
      {
        tasks: [
          { task_key: 't', new_cluster: CLUSTER, spark_python_task: py },
          { task_key: 't', new_cluster: CLUSTER, spark_python_task: py },
        ],
      },
      /Task key t is used by more than one task/,
    ],
    [
      'two task types',
      { tasks: [{ task_key: 't', new_cluster: CLUSTER, spark_python_task: py, python_wheel_task: { package_name: 'p', entry_point: 'e' } }] },
      /exactly one task type/,
    ],
    ['unknown task type', { tasks: [{ task_key: 't', new_cluster: CLUSTER, shell_script_task: {} }] }, /unknown task type shell_script_task/],
    ['serverless without environment', { tasks: [{ task_key: 'bare', spark_python_task: py }] }, /An environment is required for serverless task bare/],
    [
      'environment_key not in environments',
      { tasks: [{ task_key: 't', environment_key: 'x', spark_python_task: py }], environments: [{ environment_key: 'default', spec: { client: '2' } }] },
      /environment_key x is not one of the environments of this run \(default\)/,
    ],
    [
      'libraries on serverless',
      {
        tasks: [{ task_key: 't', environment_key: 'default', spark_python_task: py, libraries: [{ pypi: { package: 'x' } }] }],
        environments: [{ environment_key: 'default', spec: { client: '2' } }],
      },
      /Libraries field is not supported for serverless task/,
    ],
    [
      'DBFS-root library on 15.1',
      { tasks: [{ task_key: 't', new_cluster: CLUSTER, spark_python_task: py, libraries: [{ whl: 'dbfs:/FileStore/wheels/a.whl' }] }] },
      /DBFS root \(dbfs:\/FileStore\/wheels\/a\.whl\) is disabled on Databricks Runtime 15\.0 and above/,
    ],
  ];
  for (const [what, body, message] of cases) {
    const answer = await submit(body);
    assert.equal(answer.status, 400, what);
    assert.equal(answer.json.error_code, 'INVALID_PARAMETER_VALUE', what);
    assert.match(String(answer.json.message), message, what);
  }
  // A DBFS-root library on 14.3, or a volume through dbfs:/Volumes, is still accepted at submit.
  const older = await submit({
    tasks: [
      { task_key: 't', new_cluster: { ...CLUSTER, spark_version: '14.3.x-scala2.12' }, spark_python_task: py, libraries: [{ whl: 'dbfs:/FileStore/a.whl' }] },
    ],
  });
  assert.equal(older.status, 200);
});

test('a serverless spark_python_task from workspace files runs with its environment: wheel installed from a volume, missing pip packages fail the install; idempotency_token gives one run', async () => {
  const folder = `/Workspace/Users/${ME}/serverless-${Date.now()}`;
  await call('POST', '/api/2.0/workspace/mkdirs', { path: folder });
  const script = 'import sys, json\nimport emu_wheel_probe\nprint("probe", emu_wheel_probe.VALUE, json.dumps(sys.argv[1:]))\n';
  await call('POST', '/api/2.0/workspace/import', { path: `${folder}/main.py`, content: Buffer.from(script).toString('base64'), format: 'AUTO' });
  const wheel = await buildProbeWheel();
  const wheelPath = `/Volumes/main/default/mlflow_wb/wheels/${path.basename(wheel)}`;
  assert.equal((await call('PUT', `/api/2.0/fs/files${wheelPath}`, undefined, fs.readFileSync(wheel))).status, 204);
  const body = (deps: string[], token: string) => ({
    run_name: 'serverless',
    idempotency_token: token,
    tasks: [{ task_key: 'main', environment_key: 'default', spark_python_task: { python_file: `${folder}/main.py`, parameters: [`it's; $(x) "q"`] } }],
    environments: [{ environment_key: 'default', spec: { client: '2', dependencies: deps } }],
  });
  const token = `today-${Date.now()}`;
  const first = await call('POST', '/api/2.1/jobs/runs/submit', body(['mlflow', wheelPath], token));
  const second = await call('POST', '/api/2.1/jobs/runs/submit', body(['mlflow', wheelPath], token));
  assert.equal(first.json.run_id, second.json.run_id, 'the same idempotency_token starts one run');
  const run = await waitForRun(Number(first.json.run_id));
  const task = (run.tasks as { run_id: number; environment_key: string; state: { result_state: string }; cluster_instance?: unknown }[])[0]!;
  assert.equal(task.state.result_state, 'SUCCESS', JSON.stringify(run));
  assert.equal(task.environment_key, 'default');
  assert.equal(task.cluster_instance, undefined, 'serverless has no cluster');
  const parentOutput = await call('GET', `/api/2.1/jobs/runs/get-output?run_id=${String(first.json.run_id)}`);
  assert.equal(parentOutput.status, 200, 'a single task: the parent answers too');
  const output = await call('GET', `/api/2.1/jobs/runs/get-output?run_id=${task.run_id}`);
  assert.match(String(output.json.logs), /probe 42 \["it's; \$\(x\) \\"q\\""\]/);

  const missing = await call('POST', '/api/2.1/jobs/runs/submit', body(['surely-not-installed-package==1.0'], `${token}-2`));
  const failed = await waitForRun(Number(missing.json.run_id));
  assert.equal((failed.state as { result_state: string }).result_state, 'FAILED');
  const failedOutput = await call('GET', `/api/2.1/jobs/runs/get-output?run_id=${(failed.tasks as { run_id: number }[])[0]!.run_id}`);
  assert.match(String(failedOutput.json.error), /Library installation failed .*surely-not-installed-package==1\.0/);
});

async function waitForRun(runId: number): Promise<Record<string, unknown>> {
  let run: Record<string, unknown> = {};
  const ended = async () => {
    run = (await call('GET', `/api/2.1/jobs/runs/get?run_id=${runId}`)).json;
    return ['TERMINATED', 'INTERNAL_ERROR', 'SKIPPED'].includes((run.state as { life_cycle_state: string }).life_cycle_state) && run;
  };
  return waitUntil(`run ${runId} ended`, ended, { timeoutMs: 240_000, lastState: () => JSON.stringify(run.state) });
}

/** A minimal wheel (zip with dist-info) made with the standard library: no build backend needed. */
async function buildProbeWheel(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(emulator.root, 'wheel-'));
  const { runVenvPython } = await import('../support/venvPythonRun');
  const out = path.join(dir, 'emu_wheel_probe-1.0-py3-none-any.whl');
  await runVenvPython([
    '-c',
    [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1], "w")',
      'z.writestr("emu_wheel_probe/__init__.py", "VALUE = 42\\n")',
      'z.writestr("emu_wheel_probe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: emu-wheel-probe\\nVersion: 1.0\\n")',
      'z.writestr("emu_wheel_probe-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")',
      'z.writestr("emu_wheel_probe-1.0.dist-info/RECORD", "")',
      'z.close()',
    ].join('\n'),
    out,
  ]);
  return out;
}
