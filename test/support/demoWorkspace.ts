// What `npm run demo` prepares, as one function the demo script and its UI test share: the example
// project (made from the built-in template, as "MLflow: New Project" makes it), a local MLflow
// tracking server, the Databricks workspace emulator beside it with a profile in a demo-only
// DATABRICKS_CONFIG_FILE, the workspace settings that point the extension at both, and a first set
// of runs and a registered model made as a user would make them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureExperiment } from '../../src/engine/launching/experimentNaming';
import { launchLocal } from '../../src/engine/launching/localLauncher';
import { startLocalTrackingServer, type LocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { gitInit, planScaffold, renderProject, writeScaffold } from '../../src/engine/scaffolding';
import { loggedModelOfRun } from '../../src/engine/serving/modelArtifacts';
import { startDatabricksEmulator, type DatabricksEmulator, type DatabricksEmulatorOptions } from '../databricksEmulator/databricksEmulator';
import { repoRoot } from './repoPaths';

export const DEMO_EXPERIMENT = 'example_project';
export const DEMO_MODEL = 'example_project';
export const DEMO_ALIAS = 'champion';
export const DEMO_PROFILE = 'demo-emulator';
const DEMO_TOKEN = 'dapi-demo-emulator-0000';

/** The seeded sweep: a parent run with three real `mlflow run`s of the main entry point as its children. */
const SWEEP = [
  { alpha: '0.05', solver: 'svd' },
  { alpha: '0.5', solver: 'cholesky' },
  { alpha: '5.0', solver: 'auto' },
];

export interface DemoWorkspaceOptions {
  /** Folder of the demo's state: the project, the emulator's DBFS, the demo Databricks config. */
  demoDir: string;
  /** Interpreter with mlflow (the repository's .venv): tracking server, runs, the emulated cluster. */
  python: string;
  /** Seed runs and a registered model when the workspace has no runs yet (default true). */
  seed?: boolean;
  log?: (line: string) => void;
  /** Ctrl-C: stops what was started (servers, seeding runs) and rejects. */
  signal?: AbortSignal;
}

export interface DemoWorkspace {
  workspace: string;
  projectDir: string;
  tracking: LocalTrackingServer;
  emulator: DatabricksEmulator;
  /** The workspace settings written to .vscode/settings.json. */
  settings: Record<string, unknown>;
  /** Environment of VS Code (and so of the extension host): the demo Databricks config file. */
  env: Record<string, string>;
  /** What was seeded; undefined when the workspace already had runs or seeding was off. */
  seeded?: { runIds: string[]; parentRunId: string; bestRunId: string; version: string };
  stop(): Promise<void>;
}

export async function prepareDemoWorkspace(options: DemoWorkspaceOptions): Promise<DemoWorkspace> {
  const log = options.log ?? (() => undefined);
  const demoDir = path.resolve(options.demoDir);
  const workspace = path.join(demoDir, 'example_project');
  await scaffoldExampleProject(workspace, options.python);
  const projectDir = workspace;
  writeClusterSpec(projectDir);

  log('starting the MLflow tracking server (about 10 s)');
  // A loaded machine can take minutes to import MLflow's server.
  const tracking = await startLocalTrackingServer({ python: options.python, dataDir: path.join(workspace, '.mlflow'), startTimeoutMs: 240_000 });
  let emulator: DatabricksEmulator | undefined;
  try {
    options.signal?.throwIfAborted();
    log('starting the Databricks workspace emulator');
    // Today's workspace (DBFS root off): "Run on Databricks" uses the jobs protocol, as on a real one.
    const emulatorOptions: DatabricksEmulatorOptions = {
      mlflowTrackingUri: tracking.url,
      python: options.python,
      tokens: [DEMO_TOKEN],
      root: path.join(demoDir, 'databricks-workspace'),
      pendingMs: 1500,
    };
    emulator = await startDatabricksEmulator(emulatorOptions);
    const configFile = path.join(demoDir, 'databrickscfg');
    fs.writeFileSync(
      configFile,
      `# Written by npm run demo: the local Databricks workspace emulator, standing in for a real workspace.\n[${DEMO_PROFILE}]\nhost = ${emulator.url}\ntoken = ${DEMO_TOKEN}\n`,
      { mode: 0o600 },
    );
    const settings = writeWorkspaceSettings(workspace, {
      'mlflow.trackingUri': tracking.url,
      'mlflow.pythonPath': options.python,
      'mlflow.experimentName': DEMO_EXPERIMENT,
      'mlflow.keyMetric': 'rmse',
      'mlflow.databricks.profile': DEMO_PROFILE,
      // The emulated cluster runs `mlflow run` with the venv as its runtime, as MLflow's own tests do.
      'mlflow.databricks.envManager': 'local',
    });
    const env = { MLFLOW_TRACKING_URI: tracking.url, DATABRICKS_CONFIG_FILE: configFile };
    const seeded = options.seed === false ? undefined : await seedRuns(projectDir, tracking.url, options.python, log, options.signal);
    options.signal?.throwIfAborted();
    const started = emulator;
    return {
      workspace,
      projectDir,
      tracking,
      emulator: started,
      settings,
      env,
      seeded,
      async stop() {
        await started.stop();
        await tracking.stop();
      },
    };
  } catch (err) {
    await emulator?.stop();
    await tracking.stop();
    throw err;
  }
}

async function scaffoldExampleProject(workspace: string, python: string): Promise<void> {
  if (fs.existsSync(path.join(workspace, 'MLproject'))) return;
  const project = await renderProject(path.join(repoRoot, 'templates', 'mlflow-sklearn'), { project_name: 'Example Project' }, { python });
  const plan = await planScaffold(project.files, workspace);
  await writeScaffold(plan, project.files, workspace, { overwrite: () => false, emptyDirs: project.emptyDirs });
  writeClusterSpec(workspace);
  await gitInit(workspace, { commit: true });
}

/** The cluster spec "Run on Databricks" submits (the template writes one only for Databricks tracking). */
function writeClusterSpec(projectDir: string): void {
  const file = path.join(projectDir, 'cluster.json');
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim()) return;
  const spec = { new_cluster: { spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 } };
  fs.writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
}

function writeWorkspaceSettings(workspace: string, values: Record<string, unknown>): Record<string, unknown> {
  const dir = path.join(workspace, '.vscode');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  const settings = { ...(fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {}), ...values };
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return settings;
}

/**
 * A first set of runs as a user would make them, unless the server has runs already: the main
 * entry point run with `mlflow run` for three alphas, grouped under a sweep run logged with the
 * client, and the best model (lowest rmse) registered with the alias "champion".
 */
async function seedRuns(
  projectDir: string,
  trackingUri: string,
  python: string,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<DemoWorkspace['seeded']> {
  const client = new MlflowRestClient({ baseUrl: trackingUri });
  const experiments = (await client.searchExperiments()).items;
  for (const experiment of experiments) {
    if ((await client.searchRuns({ experimentIds: [experiment.experiment_id], maxResults: 1 })).items.length > 0) {
      log('the demo workspace has runs already: not seeding');
      return undefined;
    }
  }
  log(`seeding: ${SWEEP.length} runs of the main entry point with mlflow run (about 30 s)`);
  // Made once before the parallel runs, which would otherwise race to create it.
  await ensureExperiment(client, DEMO_EXPERIMENT);
  const handles = SWEEP.map((parameters) =>
    launchLocal(
      {
        projectDir,
        entryPoint: 'main',
        parameters,
        experimentName: DEMO_EXPERIMENT,
        runName: `alpha=${parameters.alpha}`,
        trackingUri,
        env: { MLFLOW_DISABLE_TELEMETRY: 'true' },
      },
      { python, envManager: 'local' },
    ),
  );
  const cancelAll = () => Promise.all(handles.map((h) => h.cancel()));
  signal?.addEventListener('abort', () => void cancelAll(), { once: true });
  let runIds: string[];
  try {
    runIds = await Promise.all(
      handles.map(async (handle, i) => {
        const state = await handle.done;
        signal?.throwIfAborted();
        const { alpha, solver } = SWEEP[i]!;
        if (state.phase !== 'finished' || !state.mlflowRunId)
          throw new Error(`Seeding the demo: mlflow run -P alpha=${alpha} ${state.phase}: ${state.message ?? ''}`);
        log(`  mlflow run -P alpha=${alpha} -P solver=${solver}: run ${state.mlflowRunId} finished`);
        return state.mlflowRunId;
      }),
    );
  } catch (err) {
    await cancelAll(); // the others must not outlive a failed seeding
    throw err;
  }
  const experiment = (await client.getExperimentByName(DEMO_EXPERIMENT))!;
  const runs = await Promise.all(runIds.map((id) => client.getRun(id)));
  const rmse = (run: (typeof runs)[number]) => run.data.metrics?.find((m) => m.key === 'rmse')?.value ?? Number.POSITIVE_INFINITY;
  const best = runs.reduce((a, b) => (rmse(b) < rmse(a) ? b : a));

  // The sweep: a parent run (as `with mlflow.start_run(run_name=...)` around the three would make) and
  // MLflow's nested-run tag on each child.
  const parent = await client.createRun(experiment.experiment_id, 'alpha-sweep', {
    tags: [{ key: 'mlflow.note.content', value: 'Three alphas of the Ridge model; the best is registered as example_project@champion.' }],
  });
  for (const id of runIds) await client.setTag(id, 'mlflow.parentRunId', parent.run_id);
  await client.logBatch(parent.run_id, {
    params: [{ key: 'alphas', value: SWEEP.map((s) => s.alpha).join(',') }],
    metrics: [{ key: 'best_rmse', value: rmse(best), timestamp: Date.now(), step: 0 }],
    tags: [{ key: 'best_run_id', value: best.info.run_id }],
  });
  await client.updateRun(parent.run_id, 'FINISHED');

  const modelId = await loggedModelOfRun(client, best.info.run_id, 'model');
  const source = modelId ? `models:/${modelId}` : `runs:/${best.info.run_id}/model`;
  if (!(await client.getRegisteredModel(DEMO_MODEL).catch(() => undefined))) {
    await client.createRegisteredModel(DEMO_MODEL, 'Ridge regression on the diabetes data (seeded by npm run demo).');
  }
  const version = await client.createModelVersion(DEMO_MODEL, source, best.info.run_id, {
    modelId,
    description: `Best of the alpha sweep: rmse ${rmse(best).toFixed(2)}.`,
  });
  await client.setRegisteredModelAlias(DEMO_MODEL, DEMO_ALIAS, version.version);
  log(
    `  registered ${DEMO_MODEL} version ${version.version} (alpha=${best.data.params?.find((p) => p.key === 'alpha')?.value}, rmse ${rmse(best).toFixed(2)}) as @${DEMO_ALIAS}`,
  );
  return { runIds, parentRunId: parent.run_id, bestRunId: best.info.run_id, version: version.version };
}
