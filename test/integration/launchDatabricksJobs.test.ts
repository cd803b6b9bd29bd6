import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../src/engine/mlflow/mlflowTypes';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { fixtureCheckout } from '../support/fixtureCheckout';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { venvPython } from '../support/repoPaths';

// `mlflow-wb run --backend databricks` with the jobs protocol (the default), run as the built CLI
// against the emulator of today's workspace (DBFS root disabled) and a real tracking server.
const TOKEN = 'dapi-jobs-protocol';
const ME = 'emulated.user@example.com';
const REPO_URL = 'https://example.com/team/databricks-jobs-project.git';
// Quotes, command substitution, a separator and a glob: all must reach the run verbatim.
const NASTY = `it's "quoted"; $(echo pwned) \`id\` && rm -rf * ; done`;
let emulator: DatabricksEmulator;
let tracking: MlflowRestClient;
let projectDir: string;
let commit: string;

before(async () => {
  const { url } = await useMlflowServer();
  tracking = new MlflowRestClient({ baseUrl: url });
  emulator = await startDatabricksEmulator({ mlflowTrackingUri: url, python: venvPython, tokens: [TOKEN], pendingMs: 200 });
  ({ dir: projectDir, commit } = fixtureCheckout('databricks-jobs-project', 'feature/jobs', REPO_URL));
});

after(async () => {
  await emulator?.stop();
});

function run(args: string[]) {
  return runBuiltCli(['run', projectDir, '--backend', 'databricks', '--python', venvPython, '--wait', ...args], {
    DATABRICKS_HOST: emulator.url,
    DATABRICKS_TOKEN: TOKEN,
  });
}

const uploads = (from: number) =>
  emulator.requests
    .slice(from)
    .filter((r) => (r.method === 'POST' && r.path === '/api/2.0/workspace/import') || (r.method === 'PUT' && r.path.startsWith('/api/2.0/fs/files/')));
const expectedScore = (alpha: number, label: string) => Math.round((alpha ** 2 + label.length / 7) * 1e6) / 1e6;
const tag = (r: MlflowRun, key: string) => r.data.tags?.find((t) => t.key === key)?.value;

async function finishedRun(stdout: string): Promise<MlflowRun> {
  const runId = /^MLflow run id: ([0-9a-f]{32})$/m.exec(stdout)?.[1];
  assert.ok(runId, stdout);
  return tracking.getRun(runId);
}

function assertRanLikeMlflowRun(r: MlflowRun, experimentName: string, alpha: number) {
  assert.equal(r.info.status, 'FINISHED');
  assert.equal(r.data.params?.find((p) => p.key === 'label')?.value, NASTY, 'the parameter as given');
  assert.equal(r.data.params?.find((p) => p.key === 'label_seen')?.value, NASTY, 'what the entry point received');
  assert.equal(r.data.metrics?.find((m) => m.key === 'wheel_score')?.value, expectedScore(alpha, NASTY), 'the metric of the wheel code');
  assert.equal(tag(r, 'mlflow.source.type'), 'PROJECT');
  assert.equal(tag(r, 'mlflow.project.entryPoint'), 'main');
  assert.equal(tag(r, 'mlflow.source.name'), projectDir);
  assert.equal(tag(r, 'mlflow.source.git.commit'), commit);
  assert.equal(tag(r, 'mlflow.source.git.branch'), 'feature/jobs');
  assert.equal(tag(r, 'mlflow.source.git.repoURL'), REPO_URL);
  assert.equal(tag(r, 'mlflow.project.backend'), 'databricks');
  void experimentName;
}

test('job cluster with wheels: workspace files, multi-task runs/submit, the wheel computes the metric, parameters verbatim; a relaunch uploads nothing', async () => {
  const experimentName = `/Users/${ME}/${uniqueName('jobs-cluster')}`;
  const mark = emulator.requests.length;
  const first = await run([
    '-e',
    'main',
    '-P',
    'alpha=1.5',
    '-P',
    `label=${NASTY}`,
    '--backend-config',
    'cluster.json',
    '--wheels',
    '--experiment-name',
    experimentName,
  ]);
  assert.equal(first.code, 0, `${first.stderr}\n${first.stdout}`);
  assert.match(first.stdout, /^Databricks run: http:\/\/127\.0\.0\.1:\d+\/\?o=\d+#job\/\d+\/run\/\d+$/m);
  assert.match(first.stdout, /jobs_metric from .*site-packages\/jobs_metric\/__init__\.py/, 'the module came from the installed wheel');
  const r = await finishedRun(first.stdout);
  assertRanLikeMlflowRun(r, experimentName, 1.5);
  assert.equal(r.info.experiment_id, (await tracking.getExperimentByName(experimentName))?.experiment_id);
  // What went over the wire: no DBFS, workspace files, a 2.2 multi-task submit.
  const sent = emulator.requests.slice(mark);
  assert.ok(!sent.some((q) => q.path.includes('/dbfs')), 'nothing touched DBFS');
  const imported = uploads(mark);
  assert.equal(imported.length, 3, 'wheel, snapshot and driver script');
  const home = path.join(emulator.workspaceRoot, 'Users', ME, 'mlflow-wb');
  const wheels = fs.readdirSync(path.join(home, 'wheels', 'feature-jobs'));
  assert.equal(wheels.length, 1);
  assert.deepEqual(fs.readdirSync(path.join(home, 'wheels', 'feature-jobs', wheels[0]!)), ['jobs_metric-0.1.0-py3-none-any.whl']);
  assert.match(fs.readdirSync(path.join(home, 'projects'))[0]!, /^[0-9a-f]{64}\.tar\.gz$/);
  assert.ok(sent.some((q) => q.method === 'POST' && q.path === '/api/2.2/jobs/runs/submit' && q.status === 200));

  // Unchanged project and wheel: the relaunch uploads 0 bytes (sizes checked, not just names).
  const again = emulator.requests.length;
  const second = await run(['-P', 'alpha=2', '-P', `label=${NASTY}`, '--backend-config', 'cluster.json', '--wheels', '--experiment-name', experimentName]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(uploads(again), []);
  assert.match(second.stderr, /nothing uploaded/);
  assertRanLikeMlflowRun(await finishedRun(second.stdout), experimentName, 2);
});

test('serverless with wheels to a Unity Catalog volume: job environment with the dependencies and the wheel, no cluster', async () => {
  const experimentName = `/Users/${ME}/${uniqueName('jobs-serverless')}`;
  const folder = `/Volumes/main/default/mlflow_wb/${uniqueName('ci')}`;
  const mark = emulator.requests.length;
  const result = await run([
    '-P',
    'alpha=0.25',
    '-P',
    `label=${NASTY}`,
    '--serverless',
    '--upload-to',
    folder,
    '--wheels',
    '--experiment-name',
    experimentName,
  ]);
  assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
  assertRanLikeMlflowRun(await finishedRun(result.stdout), experimentName, 0.25);
  const puts = uploads(mark);
  assert.equal(puts.length, 3);
  assert.ok(
    puts.every((q) => q.method === 'PUT' && q.path.startsWith(`/api/2.0/fs/files${folder}/`)),
    JSON.stringify(puts),
  );
  assert.ok(fs.existsSync(path.join(emulator.volumesRoot, folder.split('/').slice(2).join('/'), 'projects')));
});

test('a DBFS-root library on Runtime 15.1 is refused before anything is uploaded, with what to do instead', async () => {
  const mark = emulator.requests.length;
  const result = await run(['-P', 'alpha=1', '--backend-config', 'cluster-dbfs-library.json', '--experiment-name', `/Users/${ME}/${uniqueName('jobs-dbfs')}`]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /cluster-dbfs-library\.json: the library dbfs:\/FileStore\/jars\/old_helper-1\.0-py3-none-any\.whl is in DBFS root, and Databricks Runtime 15\.0 and above \(spark_version 15\.1\.x-scala2\.12\) refuses libraries from DBFS root\. Put the library in workspace files or a Unity Catalog volume/,
  );
  assert.deepEqual(uploads(mark), []);
  assert.ok(!emulator.requests.slice(mark).some((q) => q.path.endsWith('/runs/submit')));
});

test('bad combinations are usage errors (exit 2)', async () => {
  const both = await run(['--backend-config', 'cluster.json', '--serverless']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --backend-config \(a job cluster\) or --serverless, not both/);
  const legacyServerless = await run(['--serverless', '--protocol', 'legacy']);
  assert.equal(legacyServerless.code, 2);
  const badFolder = await run(['--serverless', '--upload-to', 'dbfs:/FileStore/x', '--experiment-name', `/Users/${ME}/${uniqueName('jobs-badfolder')}`]);
  assert.equal(badFolder.code, 1);
  assert.match(badFolder.stderr, /neither workspace files nor a Unity Catalog volume: give \/Workspace\/Users\/<you>\/<folder> or \/Volumes\//);
});
