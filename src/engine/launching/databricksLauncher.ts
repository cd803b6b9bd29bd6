import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrackingUri, resolveTracking } from '../connections/trackingUri';
import { DatabricksApiError, DatabricksClient } from '../databricks/databricksClient';
import type { JobRun } from '../databricks/databricksTypes';
import { isTerminalLifeCycle } from '../databricks/databricksTypes';
import { MlflowApiError, MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { CallOptions, MlflowTag } from '../mlflow/mlflowTypes';
import { runGit } from '../scaffolding/gitRepository';
import { defaultUploadFolder, uploadFolder, type UploadFolder } from '../databricks/workspaceFiles';
import { databricksRunCommand, projectCodeDbfsPath, sparkJobWrapper } from './databricksCommand';
import { currentGitBranch, ensureExperiment, sanitizeNameSegment } from './experimentNaming';
import type { DatabricksLaunchOptions, LaunchEvents, LaunchHandle, LaunchPhase, LaunchRequest, LaunchState } from './launchTypes';
import {
  dbfsRootLibraryRefused,
  dependencyAsLibrary,
  DRIVER_SCRIPT,
  driverScriptName,
  driverTaskParameters,
  environmentDependencies,
  jobsSubmitBody,
  namesMlflow,
  uniqueLibraries,
} from './jobsSubmission';
import { buildProjectArchive } from './projectArchive';
import { launchProblems, type ProjectDescription } from './projectEntryPoints';
import { checkMlflowImport } from './pythonInterpreter';
import { buildWheels, DEFAULT_WHEEL_FOLDER, hasWheelPlaceholder, libraryPlaceholders, rewriteLibraries, rewriteWheelPlaceholders, type BuiltWheel } from './wheelPlaceholders';

/** A cluster spec as `--backend-config` gives it: a new_cluster (bare or wrapped), libraries, or an existing cluster. */
export interface ClusterTarget {
  newCluster?: Record<string, unknown>;
  existingClusterId?: string;
  libraries: unknown[];
  /** Where it came from, for messages. */
  source: string;
}

class LaunchCancelled extends Error {}

/** Reads `backendConfig` (object or path to a JSON file) into a cluster target, with messages that say what to fix. */
export function readClusterTarget(backendConfig: object | string, projectDir: string): ClusterTarget {
  let config: unknown = backendConfig;
  let source = 'the backend config';
  if (typeof backendConfig === 'string') {
    const file = path.resolve(projectDir, backendConfig);
    source = path.basename(file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new Error(`The cluster spec ${file} does not exist: give --backend-config a JSON file with a new_cluster (see the Jobs API), e.g. cluster.json.`);
    }
    try {
      config = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}).`);
    }
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${source} must be a JSON object with new_cluster (or the new_cluster fields).`);
  const c = config as Record<string, unknown>;
  const libraries = c.libraries === undefined ? [] : c.libraries;
  if (!Array.isArray(libraries)) throw new Error(`${source}: libraries must be a list, e.g. [{"pypi": {"package": "scikit-learn"}}].`);
  if (typeof c.existing_cluster_id === 'string') {
    if (c.new_cluster !== undefined) throw new Error(`${source} has both existing_cluster_id and new_cluster: keep one.`);
    return { existingClusterId: c.existing_cluster_id, libraries, source };
  }
  if (c.new_cluster !== undefined) {
    if (!c.new_cluster || typeof c.new_cluster !== 'object') throw new Error(`${source}: new_cluster must be an object.`);
    return { newCluster: c.new_cluster as Record<string, unknown>, libraries, source };
  }
  if (typeof c.spark_version !== 'string') throw new Error(`${source} has no new_cluster and no spark_version: it is not a cluster spec.`);
  // A bare new_cluster spec (MLflow passes it through as is); its libraries, if any, are not a cluster field.
  const { libraries: _ignored, ...cluster } = c;
  void _ignored;
  return { newCluster: cluster, libraries, source };
}

/** How long the launcher waits for `python -c "import mlflow"` to say its version. */
const MLFLOW_VERSION_TIMEOUT_MS = 30_000;

/**
 * The mlflow version of an interpreter, for the `mlflow==X` library MLflow adds; undefined when
 * unknown. Asked through the process supervisor (remembered per interpreter, bounded in time); a
 * cancelled launch does not wait for it.
 */
async function mlflowVersionOf(python: string | undefined, signal: AbortSignal): Promise<string | undefined> {
  if (!python) return undefined;
  const check = checkMlflowImport(python, { timeoutMs: MLFLOW_VERSION_TIMEOUT_MS });
  const aborted = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const result = await Promise.race([check, aborted]);
  if (signal.aborted) throw new LaunchCancelled();
  // Unknown or not a release (a dev build is not on PyPI): unpinned.
  return result?.ok && /^\d+(\.\d+)*$/.test(result.version) ? result.version : undefined;
}

/** How long the clean-up after a cancellation (cancelling the Databricks run, ending the MLflow run) may take. */
const CANCEL_CLEANUP_MS = 10_000;

/**
 * Runs an MLflow project on Databricks the way `mlflow run -b databricks` does (tarball in DBFS,
 * MLflow run created first, `runs/submit` with MLflow's shell command), plus the CI steps: wheels
 * built, uploaded and substituted for placeholders. Uploads are skipped for files already present.
 */
export function launchOnDatabricks(req: LaunchRequest, opts: DatabricksLaunchOptions & { wait?: boolean }, events: LaunchEvents = {}): LaunchHandle {
  let cancelled = false;
  const abort = new AbortController();
  // Every request of the launch carries this signal: cancelling (Ctrl-C) ends a stalled request at once.
  const call: CallOptions = { signal: abort.signal };
  let tracking: MlflowRestClient | undefined;
  let databricksRunId: number | undefined;
  let state: LaunchState = { phase: 'validating' };
  const uploaded: string[] = [];
  const workspace = new DatabricksClient({ host: opts.host, token: opts.token, auth: opts.auth });

  const emit = (phase: LaunchPhase, extra: Partial<LaunchState> = {}) => {
    state = { ...state, ...extra, phase, uploaded: [...uploaded] };
    try {
      events.onState?.({ ...state });
    } catch {
      /* a listener's failure must not break the launch */
    }
  };
  const output = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => {
    try {
      events.onOutput?.(text.endsWith('\n') ? text : `${text}\n`, stream);
    } catch {
      /* as above */
    }
  };
  const checkCancelled = () => {
    if (cancelled) throw new LaunchCancelled();
  };

  let lastError: string | undefined;

  const done = (async (): Promise<LaunchState> => {
    emit('validating', { message: 'Checking the project and the cluster spec' });
    const protocol = opts.protocol ?? 'jobs';
    const { project, problems } = launchProblems(req.projectDir, req.entryPoint, req.parameters);
    if (problems.length > 0) return fail(problems.join('\n'));
    if (project.environment?.kind === 'docker_env') return fail('Running docker-based projects on Databricks is not yet supported (MLflow refuses docker_env there): use python_env or conda_env.');
    const compute = chooseCompute(protocol, opts, req.projectDir);
    if (typeof compute === 'string') return fail(compute);
    const target = compute.target;
    const placeholders = target ? libraryPlaceholders(target.libraries) : [];
    if (placeholders.length > 0 && !opts.buildWheels) {
      return fail(`${target!.source} has the wheel placeholder ${placeholders[0]} in its libraries: launch with wheels built (--wheels) so it is replaced by the uploaded wheel, or put a real path there.`);
    }
    if (protocol === 'jobs' && target?.newCluster) {
      const refused = dbfsRootLibraryRefused(target.newCluster.spark_version, target.libraries.filter((l) => libraryPlaceholders([l]).length === 0));
      if (refused) {
        return fail(
          `${target.source}: the library ${refused} is in DBFS root, and Databricks Runtime 15.0 and above (spark_version ${String(target.newCluster.spark_version)}) refuses libraries from DBFS root. Put the library in workspace files or a Unity Catalog volume (e.g. {"whl": "/Volumes/<catalog>/<schema>/<volume>/<file>.whl"}), or build it with --wheels and a WHEELPATH placeholder.`,
        );
      }
    }
    const trackingTarget = parseTrackingUri(req.trackingUri);
    if (trackingTarget.kind !== 'databricks' && trackingTarget.kind !== 'http') {
      return fail(
        `When running on Databricks, the MLflow tracking URI must be 'databricks', 'databricks://profile' or a remote http(s) URI that both this machine and the cluster reach; got ${req.trackingUri}.`,
      );
    }
    // One cheap call first, so a bad host or token is reported in the workspace's terms (not the tracking client's).
    const userName = protocol === 'legacy' ? (await workspace.dbfsGetStatus('/', call), undefined) : (await workspace.me(call)).userName;
    checkCancelled();
    // `databricks` tracking goes through the same workspace (and token) the run is submitted to.
    tracking =
      trackingTarget.kind === 'databricks'
        ? new MlflowRestClient({ baseUrl: opts.host, auth: workspace.auth })
        : new MlflowRestClient(resolveTracking(req.trackingUri, { env: { ...process.env, ...(req.env ?? {}) } }).connection);
    const clusterTrackingUri = trackingTarget.kind === 'databricks' ? 'databricks' : req.trackingUri;

    const experimentId = req.experimentName
      ? await ensureExperiment(tracking, req.experimentName, call)
      : (req.env?.MLFLOW_EXPERIMENT_ID ?? process.env.MLFLOW_EXPERIMENT_ID ?? '0');
    checkCancelled();

    const branch = sanitizeNameSegment(await currentGitBranch(req.projectDir).catch(() => 'no-branch'));
    const folder = protocol === 'jobs' ? uploadFolder(workspace, opts.uploadTo || defaultUploadFolder(userName!)) : undefined;
    let wheels: BuiltWheel[] = [];
    if (opts.buildWheels) {
      emit('building', { message: 'Building the project wheel (python -m build)' });
      wheels = await buildWheels(req.projectDir, {
        python: opts.python ?? 'python3',
        wheelFolder: opts.wheelFolder ?? DEFAULT_WHEEL_FOLDER,
        branch,
        isolation: opts.buildIsolation,
        onOutput: (text, stream) => output(text, stream),
        signal: abort.signal,
      });
      if (folder) for (const wheel of wheels) wheel.location = `${folder.root}/wheels/${branch}/${wheel.sha256.slice(0, 12)}/${wheel.fileName}`;
      checkCancelled();
    }

    emit('uploading', { message: 'Packing and uploading the project' });
    const envFiles = environmentFiles(project);
    const rewrittenEnvFiles = new Map<string, string>();
    const archive = buildProjectArchive(req.projectDir, (rel, content) => {
      if (!envFiles.has(rel)) return undefined;
      const text = content.toString('utf8');
      const rewritten = wheels.length > 0 && hasWheelPlaceholder(text) ? rewriteWheelPlaceholders(text, wheels, rel) : text;
      rewrittenEnvFiles.set(rel, rewritten);
      return rewritten === text ? undefined : Buffer.from(rewritten, 'utf8');
    });
    const libraries = target ? (wheels.length > 0 ? rewriteLibraries(target.libraries, wheels, target.source) : target.libraries) : [];
    let submitBody: (runId: string) => Promise<Record<string, unknown>>;
    if (folder) {
      const dependencies = [...rewrittenEnvFiles].flatMap(([name, text]) => environmentDependencies(name, text));
      const placeholder = dependencies.find((d) => hasWheelPlaceholder(d));
      if (placeholder) {
        throw new Error(`The environment file has the wheel placeholder ${placeholder}: launch with wheels built (--wheels) so it becomes the uploaded wheel's path, or put a real requirement there.`);
      }
      // Jobs protocol: wheel, project snapshot and driver script into workspace files or a volume.
      for (const wheel of wheels) await uploadToFolder(folder, wheel.location!, wheel.data);
      const archivePath = `${folder.root}/projects/${archive.sha256}.tar.gz`;
      await uploadToFolder(folder, archivePath, archive.data);
      const driverPath = `${folder.root}/driver/${driverScriptName()}`;
      await uploadToFolder(folder, driverPath, Buffer.from(DRIVER_SCRIPT, 'utf8'));
      emit('uploading', { message: uploaded.length ? `Uploaded ${uploaded.join(', ')}` : `Project and wheels already in ${folder.root}: nothing uploaded` });
      const mlflowVersion = await mlflowVersionOf(opts.python, abort.signal);
      const mlflowRequirement = mlflowVersion ? `mlflow==${mlflowVersion}` : 'mlflow';
      submitBody = async (runId) =>
        jobsSubmitBody({
          runName: `MLflow Run for ${path.resolve(req.projectDir)}`,
          idempotencyToken: `mlflow-wb-${runId}`,
          pythonFile: driverPath,
          parameters: driverTaskParameters({ archivePath, entryPoint: req.entryPoint, parameters: req.parameters, mlflowRunId: runId, experimentId, trackingUri: clusterTrackingUri }),
          compute:
            compute.kind === 'serverless'
              ? { kind: 'serverless', dependencies: withMlflow(dependencies, mlflowRequirement) }
              : {
                  kind: 'cluster',
                  newCluster: target!.newCluster,
                  existingClusterId: target!.existingClusterId,
                  libraries: uniqueLibraries([...libraries, ...withMlflow(dependencies, mlflowRequirement).map(dependencyAsLibrary)]),
                },
        });
    } else {
      for (const wheel of wheels) await uploadOnce(wheel.dbfsUri, wheel.data);
      const tarDbfsPath = projectCodeDbfsPath(experimentId, `${archive.sha256}.tar.gz`);
      await uploadOnce(`dbfs:/${tarDbfsPath}`, archive.data);
      const fuseTar = `/dbfs/${tarDbfsPath}`;
      emit('uploading', { message: uploaded.length ? `Uploaded ${uploaded.join(', ')}` : 'Project and wheels already in DBFS: nothing uploaded' });
      submitBody = (runId) => legacySubmitBody(project, runId, fuseTar, target!, libraries, experimentId, clusterTrackingUri);
    }
    checkCancelled();

    emit('submitting', { message: 'Creating the MLflow run and submitting the Databricks run' });
    const runId = await createMlflowRun(tracking, req, project, experimentId, call);
    emit('submitting', { mlflowRunId: runId });
    const body = await submitBody(runId);
    checkCancelled();
    databricksRunId =
      protocol === 'jobs'
        ? // The idempotency token makes a retried submit start at most one run, so the transport may retry it.
          (await workspace.requestJson<{ run_id: number }>('POST', '/api/2.2/jobs/runs/submit', { json: body, idempotent: true, ...call })).run_id
        : await workspace.submitSingleTaskRun(body, call);
    const submitted = await workspace.getRun(databricksRunId, call);
    const runPageUrl = submitted.run_page_url;
    emit('pending', { databricksRunId, runPageUrl, message: `Submitted Databricks run ${databricksRunId}` });
    output(`=== Launched MLflow run ${runId} as Databricks job run ${databricksRunId} ===`);
    if (runPageUrl) output(`=== Check the run's status at ${runPageUrl} ===`);
    await tagRun(tracking, runId, submitted, opts.host, call);
    if (opts.wait === false) return state;

    const final = await pollUntilDone(databricksRunId, submitted);
    const result = final.state.result_state;
    await showRunOutput(final);
    const phase: LaunchPhase = result === 'SUCCESS' ? 'finished' : result === 'CANCELED' || cancelled ? 'killed' : 'failed';
    await settleMlflowRun(tracking, runId, phase);
    const stateMessage = final.state.state_message?.trim();
    const message =
      phase === 'finished'
        ? `Run ${runId} finished on Databricks.`
        : phase === 'killed'
          ? `Databricks run ${databricksRunId} was cancelled.`
          : `Databricks run ${databricksRunId} ${final.state.life_cycle_state === 'INTERNAL_ERROR' ? 'could not run' : 'failed'} (${final.state.life_cycle_state}/${result ?? 'no result'}): ${stateMessage || 'no message'}${lastError ? `\n${lastError}` : ''}`;
    return finish(phase, message);
  })().catch(async (err: unknown) => {
    if (err instanceof LaunchCancelled || cancelled) {
      // The MLflow run created for a cancelled launch ends as KILLED (bounded: the server may be the one stalling).
      if (tracking && state.mlflowRunId) await settleMlflowRun(tracking, state.mlflowRunId, 'killed', { signal: AbortSignal.timeout(CANCEL_CLEANUP_MS) });
      return finish('killed', databricksRunId === undefined ? 'The launch was cancelled before the run was submitted.' : `Databricks run ${databricksRunId} was cancelled.`);
    }
    const message = err instanceof DatabricksApiError || err instanceof MlflowApiError || err instanceof Error ? err.message : String(err);
    return fail(message);
  });

  async function legacySubmitBody(
    project: ProjectDescription,
    runId: string,
    fuseTar: string,
    target: ClusterTarget,
    libraries: unknown[],
    experimentId: string,
    clusterTrackingUri: string,
  ): Promise<Record<string, unknown>> {
    const runName = `MLflow Run for ${path.resolve(req.projectDir)}`;
    if (project.databricksSparkJob) return sparkJobBody(project, req, experimentId, runId, fuseTar, target, runName);
    const version = await mlflowVersionOf(opts.python, abort.signal);
    const mlflowLib = { pypi: { package: version ? `mlflow==${version}` : 'mlflow' } };
    const hasMlflowGit = libraries.some((l) => /^git\+https:\/\/github\.com\/[\w-]+\/mlflow/.test(String((l as { pypi?: { package?: string } }).pypi?.package ?? '')));
    return {
      run_name: runName,
      ...(target.existingClusterId ? { existing_cluster_id: target.existingClusterId } : { new_cluster: target.newCluster }),
      shell_command_task: {
        command: databricksRunCommand(fuseTar, runId, req.entryPoint, req.parameters, opts.envManager),
        env_vars: { MLFLOW_TRACKING_URI: clusterTrackingUri, MLFLOW_EXPERIMENT_ID: experimentId },
      },
      libraries: hasMlflowGit ? libraries : [...libraries, mlflowLib],
    };
  }

  /** Uploads unless a file of the same size is already there (the paths are content-addressed). */
  async function uploadToFolder(folder: UploadFolder, remotePath: string, data: Buffer): Promise<void> {
    if ((await folder.sizeOf(remotePath, call)) === data.length) return;
    await folder.write(remotePath, data, call);
    uploaded.push(remotePath);
    emit('uploading', { message: `Uploaded ${remotePath}` });
  }

  async function uploadOnce(dbfsUri: string, data: Buffer): Promise<void> {
    if (await workspace.dbfsGetStatus(dbfsUri, call)) return;
    try {
      await workspace.dbfsUpload(dbfsUri, data, call);
      uploaded.push(dbfsUri);
      emit('uploading', { message: `Uploaded ${dbfsUri}` });
    } catch (err) {
      // Another launch uploaded the same content meanwhile: the path is content-addressed, so it is ours too.
      if (err instanceof DatabricksApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
      throw err;
    }
  }

  async function sparkJobBody(project: ProjectDescription, r: LaunchRequest, experimentId: string, runId: string, fuseTar: string, target: ClusterTarget, runName: string): Promise<Record<string, unknown>> {
    const spec = project.databricksSparkJob!;
    let jobFile: string;
    let jobParameters: string[];
    if (spec.pythonFile) {
      if (r.entryPoint !== 'main' || Object.keys(r.parameters).length > 0) {
        output("The MLproject's databricks_spark_job sets python_file and parameters: the entry point and parameters given are ignored (as mlflow run does).", 'stderr');
      }
      jobFile = spec.pythonFile;
      jobParameters = spec.parameters;
    } else {
      const entry = project.entryPoints.find((e) => e.name === r.entryPoint);
      const command = (entry?.command ?? '').replace(/\{(\w+)\}/g, (_, k: string) => r.parameters[k] ?? entry?.parameters.find((p) => p.name === k)?.default ?? '');
      const parts = command.split(' ');
      if (parts[0] !== 'python') throw new Error("Databricks spark job only supports 'python' command in the entry point configuration.");
      jobFile = parts[1] ?? '';
      jobParameters = parts.slice(2);
    }
    const envVars = { MLFLOW_TRACKING_URI: 'databricks', MLFLOW_EXPERIMENT_ID: experimentId, MLFLOW_RUN_ID: runId };
    const code = sparkJobWrapper(envVars, fuseTar, fs.readFileSync(path.join(r.projectDir, jobFile), 'utf8'));
    // MLflow names it with a random uuid; a content hash names the same file the same, so it is uploaded once.
    const name = `${crypto.createHash('sha256').update(code).digest('hex').slice(0, 32)}.py`;
    const codePath = projectCodeDbfsPath(experimentId, name);
    await uploadOnce(`dbfs:/${codePath}`, Buffer.from(code, 'utf8'));
    return {
      run_name: runName,
      ...(target.existingClusterId ? { existing_cluster_id: target.existingClusterId } : { new_cluster: target.newCluster }),
      libraries: spec.pythonLibraries.map((lib) => ({ pypi: { package: lib } })),
      spark_python_task: { python_file: `dbfs:/${codePath}`, parameters: jobParameters },
    };
  }

  async function pollUntilDone(id: number, first: JobRun): Promise<JobRun> {
    let run = first;
    let interval = opts.pollIntervalMs ?? 2000;
    const maxInterval = interval * 10;
    let last = '';
    for (;;) {
      const lc = run.state.life_cycle_state;
      const key = `${lc}/${run.state.result_state ?? ''}/${run.state.state_message ?? ''}`;
      if (key !== last) {
        last = key;
        if (!isTerminalLifeCycle(lc)) {
          const phase: LaunchPhase = lc === 'RUNNING' || lc === 'TERMINATING' ? 'running' : 'pending';
          emit(phase, { message: `${lc}${run.state.state_message ? `: ${run.state.state_message}` : ''}` });
        }
      }
      if (isTerminalLifeCycle(lc)) return run;
      await workspace.pause(interval, abort.signal, '/api/2.1/jobs/runs/get');
      interval = Math.min(Math.round(interval * 1.5), maxInterval);
      run = await workspace.getRun(id, call);
    }
  }

  async function showRunOutput(run: JobRun): Promise<void> {
    try {
      // runs/get-output takes a task run's id (the parent's only answers for single-task runs).
      const task = run.tasks?.find((t) => t.state?.result_state !== 'SUCCESS') ?? run.tasks?.[0];
      const out = await workspace.getRunOutput(task?.run_id ?? run.run_id, call);
      if (out.logs) output(out.logs);
      if (out.logs_truncated) output('(the driver log was truncated by Databricks; see the run page for all of it)', 'stderr');
      if (out.error) {
        lastError = [out.error, out.error_trace?.trim().split('\n').slice(-6).join('\n')].filter(Boolean).join('\n');
        output(out.error_trace ?? out.error, 'stderr');
      }
    } catch (err) {
      output(`Could not read the run's output: ${(err as Error).message}`, 'stderr');
    }
  }

  function finish(phase: LaunchPhase, message: string): LaunchState {
    emit(phase, { message });
    return { ...state };
  }

  function fail(message: string): LaunchState {
    return finish('failed', message);
  }

  return {
    done,
    async cancel() {
      cancelled = true;
      abort.abort();
      if (databricksRunId !== undefined) {
        await workspace.cancelRun(databricksRunId, { signal: AbortSignal.timeout(CANCEL_CLEANUP_MS) }).catch((err: unknown) => output(`Could not cancel Databricks run ${databricksRunId}: ${(err as Error).message}`, 'stderr'));
      }
      await done;
    },
  };
}

/** Job cluster (from the cluster spec) or serverless, or what is wrong with the choice. */
function chooseCompute(protocol: 'jobs' | 'legacy', opts: DatabricksLaunchOptions, projectDir: string): { kind: 'cluster' | 'serverless'; target?: ClusterTarget } | string {
  if (opts.serverless) {
    if (protocol === 'legacy') return 'Serverless compute needs the jobs protocol: the legacy protocol (DBFS root, shell_command_task) runs only on a job cluster. Drop --protocol legacy or --serverless.';
    if (opts.backendConfig !== undefined) return 'A cluster spec and serverless were both given: serverless runs take no cluster spec (drop --backend-config, or drop --serverless to run on that job cluster).';
    return { kind: 'serverless' };
  }
  if (opts.backendConfig === undefined) return 'No compute given: pass a cluster spec (--backend-config cluster.json with a new_cluster) or run on serverless (--serverless).';
  return { kind: 'cluster', target: readClusterTarget(opts.backendConfig, projectDir) };
}

/** The dependencies, plus mlflow (which the driver script needs) unless they name it already. */
function withMlflow(dependencies: string[], mlflowRequirement: string): string[] {
  return dependencies.some(namesMlflow) ? dependencies : [...dependencies, mlflowRequirement];
}

/** The MLproject's environment file plus top-level requirements files: where wheel placeholders are rewritten. */
function environmentFiles(project: ProjectDescription): Set<string> {
  const files = new Set<string>();
  if (project.environment?.file) files.add(project.environment.file.replace(/^\.\//, ''));
  if (!project.mlprojectPath) files.add('conda.yaml');
  if (project.mlprojectPath) {
    for (const name of fs.readdirSync(path.dirname(project.mlprojectPath))) if (/^requirements.*\.txt$/.test(name)) files.add(name);
  }
  return files;
}

/** Creates the run before submitting, with the tags and params `mlflow run` gives it (mlflow/projects/utils.py _create_run). */
async function createMlflowRun(client: MlflowRestClient, req: LaunchRequest, project: ProjectDescription, experimentId: string, call: CallOptions): Promise<string> {
  const dir = path.resolve(req.projectDir);
  const tags: MlflowTag[] = [
    { key: 'mlflow.user', value: safeUserName() },
    { key: 'mlflow.source.name', value: dir },
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.project.entryPoint', value: req.entryPoint },
    { key: 'mlflow.project.backend', value: 'databricks' },
  ];
  const git = async (...args: string[]) => {
    const r = await runGit(args, dir, 15_000).catch(() => undefined);
    return r?.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  };
  const commit = await git('rev-parse', 'HEAD');
  if (commit) tags.push({ key: 'mlflow.source.git.commit', value: commit });
  const branch = commit ? await git('rev-parse', '--abbrev-ref', 'HEAD') : undefined;
  if (branch && branch !== 'HEAD') tags.push({ key: 'mlflow.source.git.branch', value: branch });
  const repoUrl = commit ? await git('config', '--get', 'remote.origin.url') : undefined;
  if (repoUrl) tags.push({ key: 'mlflow.source.git.repoURL', value: repoUrl }, { key: 'mlflow.gitRepoURL', value: repoUrl });
  const info = await client.createRun(experimentId, req.runName, { tags, ...call });
  const entry = project.entryPoints.find((e) => e.name === req.entryPoint);
  const params = new Map<string, string>();
  for (const p of entry?.parameters ?? []) if (p.default !== undefined) params.set(p.name, p.default);
  for (const [k, v] of Object.entries(req.parameters)) params.set(k, v);
  if (params.size > 0) await client.logBatch(info.run_id, { params: [...params].map(([key, value]) => ({ key, value })) }, call);
  return info.run_id;
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The tags MLflow sets after submitting (DatabricksSubmittedRun._print_description_and_log_tags). */
async function tagRun(client: MlflowRestClient, runId: string, run: JobRun, host: string, call: CallOptions): Promise<void> {
  const tags: [string, string | number | undefined][] = [
    ['mlflow.databricks.runURL', run.run_page_url],
    ['mlflow.databricks.shellJobRunID', run.run_id],
    ['mlflow.databricks.webappURL', host.replace(/\/+$/, '')],
    ['mlflow.databricks.shellJobID', run.job_id],
  ];
  for (const [key, value] of tags) if (value !== undefined) await client.setTag(runId, key, String(value), call);
}

/** As `mlflow run` does when it waits: a run the cluster never ended (it did not start) is ended here. */
async function settleMlflowRun(client: MlflowRestClient, runId: string, phase: LaunchPhase, call: CallOptions = {}): Promise<void> {
  try {
    const run = await client.getRun(runId, call);
    if (run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED') {
      await client.updateRun(runId, phase === 'finished' ? 'FINISHED' : phase === 'killed' ? 'KILLED' : 'FAILED', call);
    }
  } catch {
    /* the Databricks result stands on its own */
  }
}
