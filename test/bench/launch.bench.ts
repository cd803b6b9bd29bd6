// Launch benchmark, both sides measured in this run against the same servers:
// - launch_databricks_submit: from launch to the emulator receiving jobs/runs/submit, our launcher
//   vs `mlflow run -b databricks --backend-config ...` (spawned; python start-up and imports are
//   part of what a user waits for). The project is already in DBFS for both (one warm-up each), so
//   this is validate + experiment + tar/hash + get-status + create run + submit.
// - launch_local_first_output: from launch to the first line the user's script prints, our
//   launchLocal (which wraps `mlflow run`) vs `python -m mlflow run` spawned directly: the ratio
//   is our overhead, expected ~1.
// - launch_jobs_submit: the jobs protocol (default) against the emulator of today's workspace, from
//   launch to runs/submit, vs the same steps (me, pack and hash, get-status, MLflow run, submit with
//   an idempotency token) written with the official Databricks SDK for Python (jobsSubmitWithSdk.py,
//   spawned: python start-up and imports are part of what a user waits for). Goal: ratio <= 0.5.
// - launch_jobs_relaunch_upload: bytes uploaded by an unchanged relaunch (wheel built) vs the first
//   launch's bytes: 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startProcessGroup } from '../../src/engine/process/processGroup';
import { launchOnDatabricks } from '../../src/engine/launching/databricksLauncher';
import { launchLocal } from '../../src/engine/launching/localLauncher';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { copyFixture, makeTempDir, repoRoot, venvPython } from '../support/repoPaths';
import { waitUntil } from '../support/waitUntil';
import { median, reportBench } from './benchSetup';

const ROUNDS = 3;

const submitted = (emulator: DatabricksEmulator, from: number) => emulator.requests.slice(from).some((r) => /\/jobs\/runs\/submit$/.test(r.path));

async function oursToSubmit(emulator: DatabricksEmulator, projectDir: string, experimentName: string): Promise<number> {
  const mark = emulator.requests.length;
  const t0 = performance.now();
  const handle = launchOnDatabricks(
    { projectDir, entryPoint: 'main', parameters: { alpha: '0.1' }, experimentName, trackingUri: 'databricks' },
    { host: emulator.url, token: emulator.token, protocol: 'legacy', backendConfig: 'bench-cluster.json', envManager: 'local', wait: false },
  );
  await waitUntil('our launch submits the run', () => submitted(emulator, mark), { timeoutMs: 120_000, intervalMs: 2 });
  const ms = performance.now() - t0;
  const final = await handle.done;
  if (final.phase !== 'pending') throw new Error(`our launch ended ${final.phase}: ${final.message}`);
  return ms;
}

async function jobsToSubmit(
  emulator: DatabricksEmulator,
  projectDir: string,
  experimentName: string,
  buildWheels = false,
): Promise<{ ms: number; bytes: number }> {
  const mark = emulator.requests.length;
  const t0 = performance.now();
  const handle = launchOnDatabricks(
    { projectDir, entryPoint: 'main', parameters: { alpha: '0.1' }, experimentName, trackingUri: 'databricks' },
    { host: emulator.url, token: emulator.token, backendConfig: 'bench-cluster.json', buildWheels, python: venvPython, wait: false },
  );
  await waitUntil('our jobs launch submits the run', () => submitted(emulator, mark), { timeoutMs: 300_000, intervalMs: 2 });
  const ms = performance.now() - t0;
  const final = await handle.done;
  if (final.phase !== 'pending') throw new Error(`our jobs launch ended ${final.phase}: ${final.message}`);
  // What was uploaded, by size of the files now in the workspace (workspace paths map to emulator folders).
  const bytes = (final.uploaded ?? []).reduce((sum, p) => sum + fs.statSync(path.join(emulator.workspaceRoot, p.replace(/^\/Workspace\//, ''))).size, 0);
  return { ms, bytes };
}

/** Milliseconds until a reference Python program (`args` to the venv's Python) submits its Databricks run to the emulator; it is stopped then. */
async function referenceToSubmit(emulator: DatabricksEmulator, what: string, args: string[], timeoutMs: number): Promise<number> {
  const mark = emulator.requests.length;
  const t0 = performance.now();
  const group = startProcessGroup(venvPython, args, {
    env: { ...process.env, DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token, MLFLOW_TRACKING_URI: 'databricks' },
  });
  const child = group.child;
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitUntil('the reference submits the run (or exits)', () => submitted(emulator, mark) || child.exitCode !== null, { timeoutMs, intervalMs: 2 });
    if (!submitted(emulator, mark)) throw new Error(`${what} exited before submitting:\n${stderr.slice(-2000)}`);
    return performance.now() - t0;
  } finally {
    await group.stop(1000);
  }
}

function sdkToSubmit(emulator: DatabricksEmulator, projectDir: string, experimentName: string): Promise<number> {
  const script = path.join(repoRoot, 'test', 'bench', 'jobsSubmitWithSdk.py');
  return referenceToSubmit(emulator, 'the SDK script', [script, projectDir, experimentName, path.join(projectDir, 'bench-cluster.json')], 300_000);
}

function mlflowToSubmit(emulator: DatabricksEmulator, projectDir: string, experimentName: string): Promise<number> {
  const backendConfig = path.join(projectDir, 'bench-cluster.json');
  const args = ['-m', 'mlflow', 'run', projectDir, '-b', 'databricks', '--backend-config', backendConfig, '--experiment-name', experimentName];
  return referenceToSubmit(emulator, 'mlflow run -b databricks', [...args, '--env-manager', 'local', '-P', 'alpha=0.1'], 180_000);
}

async function firstLine(start: () => { stop: () => Promise<void> }, marker: RegExp, output: { text: string }): Promise<number> {
  const t0 = performance.now();
  const run = start();
  try {
    await waitUntil('the run prints its first output', () => marker.test(output.text), { timeoutMs: 120_000, intervalMs: 2 });
    return performance.now() - t0;
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  const server = await startLocalTrackingServer({ python: venvPython, dataDir: makeTempDir('bench-launch-mlflow') });
  // Runs stay PENDING (a long cluster start): the benchmark measures up to submission only.
  const emulator = await startDatabricksEmulator({
    mlflowTrackingUri: server.url,
    python: venvPython,
    tokens: ['dapi-bench'],
    pendingMs: 600_000,
    legacyDbfs: true,
  });
  const today = await startDatabricksEmulator({ mlflowTrackingUri: server.url, python: venvPython, tokens: ['dapi-bench-today'], pendingMs: 600_000 });
  const projectDir = copyFixture('launch-project');
  fs.writeFileSync(
    path.join(projectDir, 'bench-cluster.json'),
    JSON.stringify({ new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 } }),
  );
  try {
    const experiment = `bench-launch-${Date.now()}`;
    // MLFLOW_WB_BENCH_ONLY=jobs|legacy|local runs one part (`npm run bench -- launch --only jobs`).
    const only = process.env.MLFLOW_WB_BENCH_ONLY;
    if (!only || only === 'legacy') {
      await oursToSubmit(emulator, projectDir, experiment); // warm-up: uploads our tarball
      await mlflowToSubmit(emulator, projectDir, experiment); // warm-up: uploads MLflow's tarball
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        ours.push(await oursToSubmit(emulator, projectDir, experiment));
        theirs.push(await mlflowToSubmit(emulator, projectDir, experiment));
      }
      const o = median(ours);
      const t = median(theirs);
      reportBench('launch_databricks_submit', o, t, 'mlflow_cli');
    }

    if (!only || only === 'jobs') {
      // The jobs protocol, on a workspace of today (no DBFS root); experiments are workspace paths there.
      const jobsExperiment = `/Users/emulated.user@example.com/bench-jobs-${Date.now()}`;
      const first = await jobsToSubmit(today, projectDir, jobsExperiment, true); // warm-up: builds and uploads the wheel and snapshot
      const relaunch = await jobsToSubmit(today, projectDir, jobsExperiment, true);
      reportBench('launch_jobs_relaunch_upload', relaunch.bytes, Math.max(first.bytes, 1), 'first_launch_bytes', 'bytes');
      // The timed rounds build no wheel (python -m build would dominate both sides): a copy without the placeholder.
      const plainProjectDir = copyFixture('launch-project');
      fs.copyFileSync(path.join(projectDir, 'bench-cluster.json'), path.join(plainProjectDir, 'bench-cluster.json'));
      const envFile = path.join(plainProjectDir, 'python_env.yaml');
      fs.writeFileSync(envFile, fs.readFileSync(envFile, 'utf8').replace(/^.*WHEELPATH.*\n/m, ''));
      await jobsToSubmit(today, plainProjectDir, jobsExperiment); // warm-up: uploads our snapshot
      await sdkToSubmit(today, plainProjectDir, jobsExperiment); // warm-up: uploads the SDK's tarball
      const jobsOurs: number[] = [];
      const jobsSdk: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        jobsOurs.push((await jobsToSubmit(today, plainProjectDir, jobsExperiment)).ms);
        jobsSdk.push(await sdkToSubmit(today, plainProjectDir, jobsExperiment));
      }
      const jo = median(jobsOurs);
      const js = median(jobsSdk);
      reportBench('launch_jobs_submit', jo, js, 'databricks_sdk_python');
    }
    if (only && only !== 'local') return;

    const localOurs: number[] = [];
    const localDirect: number[] = [];
    const marker = /training started/;
    const request = { projectDir, entryPoint: 'main', parameters: { alpha: '0.1', label: 'bench' }, experimentName: experiment, trackingUri: server.url };
    for (let i = 0; i < ROUNDS; i++) {
      const a = { text: '' };
      localOurs.push(
        await firstLine(
          () => {
            const handle = launchLocal(request, { python: venvPython, envManager: 'local' }, { onOutput: (text) => void (a.text += text) });
            return { stop: () => handle.done.then(() => undefined) };
          },
          marker,
          a,
        ),
      );
      const b = { text: '' };
      localDirect.push(
        await firstLine(
          () => {
            const { child } = startProcessGroup(
              venvPython,
              [
                '-m',
                'mlflow',
                'run',
                projectDir,
                '-e',
                'main',
                '-P',
                'alpha=0.1',
                '-P',
                'label=bench',
                '--experiment-name',
                experiment,
                '--env-manager',
                'local',
              ],
              {
                cwd: projectDir,
                env: {
                  ...process.env,
                  MLFLOW_TRACKING_URI: server.url,
                  PYTHONUNBUFFERED: '1',
                  PATH: `${path.dirname(venvPython)}${path.delimiter}${process.env.PATH ?? ''}`,
                },
              },
            );
            child.stderr!.resume();
            child.stdout!.on('data', (d: Buffer) => (b.text += d.toString()));
            return { stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('close', () => resolve()))) };
          },
          marker,
          b,
        ),
      );
    }
    const lo = median(localOurs);
    const ld = median(localDirect);
    reportBench('launch_local_first_output', lo, ld, 'mlflow_run_direct');
  } finally {
    await emulator.stop();
    await today.stop();
    await server.stop();
    fs.rmSync(path.dirname(projectDir), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
