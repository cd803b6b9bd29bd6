import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { gitInit } from '../../src/engine/scaffolding/gitRepository';
import { renderProject } from '../../src/engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold } from '../../src/engine/scaffolding/scaffoldWriter';
import { resolveTemplatesDir } from '../../src/engine/scaffolding/templateLoader';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

const venvBin = path.join(repoRoot, '.venv', 'bin');

interface Exit {
  code: number;
  output: string;
}

/** Runs a program with an argument array; `python` inside resolves to the repository's venv. */
function run(command: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        ...process.env,
        PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`,
        PYTHONDONTWRITEBYTECODE: '1',
        // MLflow's usage telemetry waits on network timeouts here (no internet): 87 s instead of 17 s.
        MLFLOW_DISABLE_TELEMETRY: 'true',
        DO_NOT_TRACK: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const tail = (s: string) => s.split('\n').slice(-40).join('\n');

// Asked at load time: a server this file starts on its own is then stopped by a file-level after
// hook, at the end of the file (registered from inside before(), it would stop when before() ends).
const server = useMlflowServer();

describe('a scaffolded project really works (python_env, local tracking, GitHub CI)', () => {
  let projectDir: string;
  let client: MlflowRestClient;
  let trackingUrl: string;
  const experimentName = uniqueName('scaffold-run');
  let pytest: Promise<Exit>;
  let mlflowRun: Promise<Exit>;

  before(async () => {
    trackingUrl = (await server).url;
    client = new MlflowRestClient({ baseUrl: trackingUrl });
    const rendered = await renderProject(
      path.join(await resolveTemplatesDir(), 'mlflow-sklearn'),
      { project_name: 'Diabetes Ridge', tracking: 'local', environment: 'python_env', ci: 'github' },
      { python: venvPython },
    );
    projectDir = path.join(makeTempDir('scaffold-run'), rendered.projectDirName);
    await writeScaffold(await planScaffold(rendered.files, projectDir), rendered.files, projectDir, { overwrite: () => false });
    await gitInit(projectDir, { commit: true });
    // The two slow steps run side by side: pytest logs to its own sqlite store, mlflow run to the server.
    pytest = run(
      path.join(venvBin, 'python'),
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-W', 'ignore::DeprecationWarning'],
      projectDir,
      { PYTHONPATH: projectDir },
      300_000,
    );
    mlflowRun = run(
      path.join(venvBin, 'mlflow'),
      ['run', projectDir, '--env-manager', 'local', '--experiment-name', experimentName, '-P', 'alpha=0.3', '-P', 'test_size=0.25', '-P', 'solver=svd'],
      makeTempDir('scaffold-run-cwd'),
      { MLFLOW_TRACKING_URI: trackingUrl },
      300_000,
    );
  });

  it('made a git repository whose first commit holds every generated file', async () => {
    const log = await run('git', ['log', '--format=%s'], projectDir, {}, 10_000);
    assert.equal(log.code, 0, log.output);
    assert.equal(log.output.trim(), 'Initial project from MLflow Workbench');
    const tracked = await run('git', ['ls-files'], projectDir, {}, 10_000);
    for (const f of ['MLproject', 'python_env.yaml', 'pyproject.toml', '.github/workflows/ci.yml', 'diabetes_ridge/train.py', 'tests/test_train.py']) {
      assert.ok(tracked.output.split('\n').includes(f), `${f} is not committed:\n${tracked.output}`);
    }
  });

  it('passes its own pytest tests', async () => {
    const result = await pytest;
    assert.equal(result.code, 0, `pytest failed:\n${tail(result.output)}`);
    assert.match(result.output, /\b5 passed\b/);
  });

  it('runs with `mlflow run --env-manager local` and logs a FINISHED run with params, metrics and a model', async () => {
    const result = await mlflowRun;
    assert.equal(result.code, 0, `mlflow run failed:\n${tail(result.output)}`);
    const experiment = await client.getExperimentByName(experimentName);
    assert.ok(experiment, `experiment ${experimentName} was not created`);
    const runs = (await client.searchRuns({ experimentIds: [experiment.experiment_id] })).items;
    assert.equal(runs.length, 1);
    const logged = runs[0];
    assert.equal(logged.info.status, 'FINISHED');
    const params = Object.fromEntries((logged.data.params ?? []).map((p) => [p.key, p.value]));
    assert.equal(params.alpha, '0.3');
    assert.equal(params.test_size, '0.25');
    assert.equal(params.solver, 'svd');
    const metrics = Object.fromEntries((logged.data.metrics ?? []).map((m) => [m.key, m.value]));
    for (const key of ['rmse', 'mae', 'r2']) assert.equal(typeof metrics[key], 'number', `metric ${key} missing: ${JSON.stringify(metrics)}`);
    assert.ok(metrics.rmse > 0 && metrics.r2 > 0 && metrics.r2 < 1, JSON.stringify(metrics));
    // mlflow run of a git folder records its commit: the scaffold's first commit.
    const head = (await run('git', ['rev-parse', 'HEAD'], projectDir, {}, 10_000)).output.trim();
    const tags = Object.fromEntries((logged.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.source.git.commit'], head);

    const models = (await client.searchLoggedModels({ experimentIds: [experiment.experiment_id] })).items;
    assert.equal(models.length, 1, JSON.stringify(models));
    assert.equal(models[0].info.name, 'model');
    assert.equal(models[0].info.source_run_id, logged.info.run_id);
    assert.equal(models[0].info.status, 'LOGGED_MODEL_READY');
    // The metrics were logged with the model's id, so they show on the logged model too.
    const modelMetrics = (models[0].data?.metrics ?? []).map((m) => m.key).sort();
    assert.deepEqual(modelMetrics, ['mae', 'r2', 'rmse']);
  });

  it('left the project folder as git committed it, apart from ignored files', async () => {
    await Promise.allSettled([pytest, mlflowRun]);
    const status = await run('git', ['status', '--porcelain'], projectDir, {}, 10_000);
    assert.equal(status.output.trim(), '', `the run left untracked or modified files:\n${status.output}`);
    assert.ok(fs.existsSync(path.join(projectDir, '.gitignore')));
  });
});
