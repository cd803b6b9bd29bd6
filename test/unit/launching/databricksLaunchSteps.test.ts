// The steps of launchOnDatabricks that need no workspace: the checks before any request, packing the
// project, the jobs protocol's dependencies and the launch's outcome. The requests are covered by
// test/integration/launchDatabricks*.test.ts against the Databricks emulator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkLaunchInputs, jobsDependencies, launchOutcome, packProject } from '../../../src/engine/launching/databricksLauncher';
import type { JobRun } from '../../../src/engine/databricks/databricksTypes';
import type { LaunchRequest } from '../../../src/engine/launching/launchTypes';
import { readProject } from '../../../src/engine/launching/projectEntryPoints';
import type { BuiltWheel } from '../../../src/engine/launching/wheelPlaceholders';
import { fixturesDir, makeTempDir } from '../../support/repoPaths';

const jobsProject = path.join(fixturesDir, 'databricks-jobs-project');
const request = (over: Partial<LaunchRequest> = {}): LaunchRequest => ({
  projectDir: jobsProject,
  entryPoint: 'main',
  parameters: {},
  trackingUri: 'databricks',
  ...over,
});
const host = { host: 'https://example.cloud.databricks.com', token: 'not-used' };

describe('launchOnDatabricks, step 1: the checks before any request', () => {
  it('plans a valid launch: the project, the cluster from the spec, where tracking goes', async () => {
    const plan = await checkLaunchInputs(request(), { ...host, backendConfig: 'cluster.json', buildWheels: true });
    assert.ok(typeof plan !== 'string', String(plan));
    assert.equal(plan.protocol, 'jobs');
    assert.equal(plan.trackingKind, 'databricks');
    assert.equal(plan.compute.kind, 'cluster');
    assert.equal(plan.compute.target?.source, 'cluster.json');
    assert.deepEqual(
      plan.project.entryPoints.map((e) => e.name),
      ['main'],
    );
  });

  it('says what to fix: no compute, serverless with the legacy protocol, a placeholder without wheels, a local tracking URI, an unknown entry point', async () => {
    assert.match(String(await checkLaunchInputs(request(), host)), /No compute given/);
    assert.match(String(await checkLaunchInputs(request(), { ...host, serverless: true, protocol: 'legacy' })), /Serverless compute needs the jobs protocol/);
    assert.match(
      String(await checkLaunchInputs(request(), { ...host, backendConfig: 'cluster.json' })),
      /cluster\.json has the wheel placeholder .*WHEELPATH.* launch with wheels built/,
    );
    assert.match(
      String(await checkLaunchInputs(request({ trackingUri: 'file:///tmp/mlruns' }), { ...host, serverless: true })),
      /tracking URI must be 'databricks'/,
    );
    assert.match(String(await checkLaunchInputs(request({ entryPoint: 'nope' }), { ...host, serverless: true })), /Entry point 'nope' is not in MLproject/);
  });

  it('an unreadable cluster spec rejects with the file and what to give instead', async () => {
    await assert.rejects(
      checkLaunchInputs(request(), { ...host, backendConfig: 'missing.json' }),
      /missing\.json does not exist: give --backend-config a JSON file/,
    );
  });
});

describe('launchOnDatabricks, steps 4-5: packing the project and the jobs dependencies', () => {
  const wheel: BuiltWheel = {
    fileName: 'jobs_metric-0.1-py3-none-any.whl',
    distribution: 'jobs_metric',
    data: Buffer.from('wheel'),
    sha256: 'ab'.repeat(32),
    dbfsUri: 'dbfs:/w/main/abab/jobs_metric-0.1-py3-none-any.whl',
    location: '/Workspace/Users/me/mlflow-wb/wheels/jobs_metric-0.1-py3-none-any.whl',
  };

  it('rewrites wheel placeholders in the environment file inside the archive only', async () => {
    const before = fs.readFileSync(path.join(jobsProject, 'python_env.yaml'), 'utf8');
    const packed = await packProject(jobsProject, await readProject(jobsProject), [wheel]);
    assert.equal(fs.readFileSync(path.join(jobsProject, 'python_env.yaml'), 'utf8'), before, 'the project folder is untouched');
    const text = packed.environmentTexts.get('python_env.yaml') ?? '';
    assert.match(text, /- \/Workspace\/Users\/me\/mlflow-wb\/wheels\/jobs_metric-0\.1-py3-none-any\.whl/);
    assert.doesNotMatch(text, /WHEELPATH/);
    const out = makeTempDir('packed');
    fs.writeFileSync(path.join(out, 'p.tar.gz'), packed.archive.data);
    execFileSync('tar', ['-xzf', 'p.tar.gz'], { cwd: out });
    assert.equal(fs.readFileSync(path.join(out, 'mlflow-project', 'python_env.yaml'), 'utf8'), text);
    assert.deepEqual(jobsDependencies(packed.environmentTexts), ['mlflow', wheel.location]);
  });

  it('a placeholder left in the dependencies (no wheels built) is an error that says how to fix it', async () => {
    const packed = await packProject(jobsProject, await readProject(jobsProject), []);
    assert.throws(() => jobsDependencies(packed.environmentTexts), /wheel placeholder WHEELPATH: launch with wheels built \(--wheels\)/);
  });
});

describe('launchOnDatabricks, step 7: the outcome from the final run state', () => {
  const run = (state: JobRun['state']): JobRun => ({ run_id: 7, state }) as JobRun;
  const ids = { runId: 'r1', databricksRunId: 7 };

  it('finished, cancelled (by Databricks or by the user), failed with the cluster error', () => {
    assert.deepEqual(launchOutcome(run({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }), ids, false), {
      phase: 'finished',
      message: 'Run r1 finished on Databricks.',
    });
    assert.equal(launchOutcome(run({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' }), ids, false).phase, 'killed');
    assert.equal(launchOutcome(run({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' }), ids, true).phase, 'killed');
    const failed = launchOutcome(
      run({ life_cycle_state: 'INTERNAL_ERROR', result_state: 'FAILED', state_message: ' Cluster lost ' }),
      ids,
      false,
      'ValueError: bad',
    );
    assert.deepEqual(failed, { phase: 'failed', message: 'Databricks run 7 could not run (INTERNAL_ERROR/FAILED): Cluster lost\nValueError: bad' });
  });
});
