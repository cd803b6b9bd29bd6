import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { launchOnDatabricks } from '../../src/engine/launching/databricksLauncher';
import { branchExperimentName } from '../../src/engine/launching/experimentNaming';
import type { LaunchState } from '../../src/engine/launching/launchTypes';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { fixtureCheckout } from '../support/fixtureCheckout';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { venvPython } from '../support/repoPaths';

const TOKEN = 'dapi-launch-test';
let emulator: DatabricksEmulator;
let client: MlflowRestClient;
let projectDir: string;

before(async () => {
  const { url } = await useMlflowServer();
  client = new MlflowRestClient({ baseUrl: url });
  emulator = await startDatabricksEmulator({ mlflowTrackingUri: url, python: venvPython, tokens: [TOKEN], legacyDbfs: true });
  // A git checkout on a feature branch: the experiment and the wheel folder are named after it.
  projectDir = fixtureCheckout('launch-project', 'feature/launch').dir;
});

after(async () => {
  await emulator?.stop();
});

function launch(
  over: { wait?: boolean; token?: string; buildWheels?: boolean; entryPoint?: string; parameters?: Record<string, string>; experimentName?: string } = {},
) {
  const states: LaunchState[] = [];
  let output = '';
  const handle = launchOnDatabricks(
    {
      projectDir,
      entryPoint: over.entryPoint ?? 'main',
      parameters: over.parameters ?? { alpha: '0.3', label: 'on databricks' },
      experimentName: over.experimentName,
      trackingUri: 'databricks',
    },
    {
      host: emulator.url,
      token: over.token ?? TOKEN,
      protocol: 'legacy',
      backendConfig: 'cluster.json',
      buildWheels: over.buildWheels ?? true,
      python: venvPython,
      envManager: 'local',
      pollIntervalMs: 150,
      wait: over.wait,
    },
    {
      onState: (s) => {
        states.push(s);
        if (process.env.LX_DEBUG) console.log(Date.now() % 100000, s.phase, s.message?.slice(0, 80));
      },
      onOutput: (t) => void (output += t),
    },
  );
  return { handle, states, output: () => output };
}

const uploads = (from: number) =>
  emulator.requests.slice(from).filter((r) => r.method === 'POST' && (/\/dbfs\/(put|create|add-block)$/.test(r.path) || r.path.startsWith('/dbfs/')));

test('a Databricks launch uploads project and wheel once, rewrites placeholders, and finishes in the branch experiment', async () => {
  const experimentName = await branchExperimentName('${projectName}/${branch}', projectDir, { projectName: uniqueName('launch-project') });
  assert.match(experimentName, /\/feature-launch$/);
  const first = launch({ experimentName });
  const final = await first.handle.done;
  assert.equal(final.phase, 'finished', `${final.message}\n${first.output()}`);
  assert.ok(final.databricksRunId && final.runPageUrl?.startsWith(emulator.url));
  const wheelPath = final.uploaded?.find((p) => p.endsWith('.whl'));
  assert.match(wheelPath ?? '', /^dbfs:\/FileStore\/wheels\/feature-launch\/[0-9a-f]{12}\/launch_helper-0\.1\.0-py3-none-any\.whl$/);
  assert.ok(
    final.uploaded?.some((p) => /^dbfs:\/mlflow-experiments\/\d+\/projects-code\/[0-9a-f]{64}\.tar\.gz$/.test(p)),
    String(final.uploaded),
  );
  assert.deepEqual(
    [...new Set(first.states.map((s) => s.phase))].filter((p) => p !== 'running'),
    ['validating', 'building', 'uploading', 'submitting', 'pending', 'finished'],
  );
  // What ran: the wheel from cluster.json's placeholder was installed, and the tarball's python_env.yaml names it.
  assert.match(first.output(), /training started: alpha=0.3 label='on databricks'/);
  assert.match(first.output(), /helper: launch_helper wheel installed/);
  // The emulator's sandbox of the task run: <root>/clusters/run-<task run id>/databricks/mlflow/projects/<sha>/.
  const clusters = path.join(emulator.root, 'clusters');
  const envFiles = fs.readdirSync(clusters).flatMap((run) => {
    const projects = path.join(clusters, run, 'databricks', 'mlflow', 'projects');
    return fs.existsSync(projects) ? fs.readdirSync(projects).map((sha) => path.join(projects, sha, 'python_env.yaml')) : [];
  });
  assert.equal(envFiles.length, 1, 'one project extracted on the cluster');
  const envText = fs.readFileSync(envFiles[0]!, 'utf8');
  assert.ok(envText.includes(`/dbfs/${wheelPath!.slice('dbfs:/'.length)}`), envText);
  assert.doesNotMatch(envText, /WHEELPATH/);
  assert.match(fs.readFileSync(path.join(projectDir, 'python_env.yaml'), 'utf8'), /WHEELPATH/, 'the file on disk is unchanged');
  assert.equal(fs.existsSync(path.join(projectDir, 'build')), false, 'the wheel was built outside the project');
  // The MLflow run, in the branch-named experiment.
  const run = await client.getRun(final.mlflowRunId!);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.experiment_id, (await client.getExperimentByName(experimentName))?.experiment_id);
  assert.equal(run.data.params?.find((p) => p.key === 'label')?.value, 'on databricks');
  assert.ok(run.data.metrics?.some((m) => m.key === 'rmse'));
  assert.equal(run.data.tags?.find((t) => t.key === 'mlflow.databricks.runURL')?.value, final.runPageUrl);

  // Same project again, with get-status rate-limited twice: retried through, nothing uploaded. Not
  // waited for (wait: false ends at "submitted"), then cancelled.
  const mark = emulator.requests.length;
  emulator.rateLimitNext(2, '/api/2.0/dbfs/get-status', 1);
  const again = launch({ experimentName, wait: false });
  const second = await again.handle.done;
  assert.equal(second.phase, 'pending', second.message);
  assert.deepEqual(second.uploaded, []);
  assert.deepEqual(uploads(mark), []);
  assert.equal(emulator.requests.slice(mark).filter((r) => r.status === 429).length, 2, 'the 429s happened and were retried');
  assert.ok(emulator.requests.slice(mark).some((r) => r.path === '/api/2.0/jobs/runs/submit' && r.status === 200));
  await again.handle.cancel();
  assert.ok(
    emulator.requests.slice(mark).some((r) => r.path.endsWith('/jobs/runs/cancel') && r.status === 200),
    'cancel reached the workspace',
  );
});

test('a bad or missing token gives a clear failure before anything is uploaded or created', async () => {
  const mark = emulator.requests.length;
  const experimentName = uniqueName('launch-badtoken');
  const invalid = await launch({ token: 'dapi-not-valid', experimentName }).handle.done;
  assert.equal(invalid.phase, 'failed');
  assert.match(
    invalid.message ?? '',
    /^Databricks at http:\/\/127\.0\.0\.1:\d+ refused the access token \(HTTP 403: Invalid access token\.\)\. .*create a new personal access token/,
  );
  assert.doesNotMatch(invalid.message ?? '', /dapi-not-valid/, 'the token is not in the message');
  const missing = await launch({ token: '', experimentName }).handle.done;
  assert.match(missing.message ?? '', /did not accept the request .*HTTP 401.*set a personal access token/i);
  assert.deepEqual(uploads(mark), []);
  assert.equal(await client.getExperimentByName(experimentName), undefined);
});

test('wheel placeholders without building wheels are refused up front', async () => {
  const final = await launch({ buildWheels: false, experimentName: uniqueName('launch-nowheel') }).handle.done;
  assert.equal(final.phase, 'failed');
  assert.match(final.message ?? '', /cluster\.json has the wheel placeholder dbfs:\/FileStore\/wheels\/WHEELPATH\.whl .*--wheels/);
});

test('a cluster that fails to start ends failed with its state message, and the MLflow run is ended', async () => {
  emulator.failNextRun('Cluster failed to launch: instance type not available (test)');
  const final = await launch({ experimentName: uniqueName('launch-clusterfail') }).handle.done;
  assert.equal(final.phase, 'failed');
  assert.match(final.message ?? '', /INTERNAL_ERROR\/FAILED\): Cluster failed to launch: instance type not available \(test\)/);
  assert.equal((await client.getRun(final.mlflowRunId!)).info.status, 'FAILED');
});
