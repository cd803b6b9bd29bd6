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
import { buildProjectArchive, type ProjectArchive } from './projectArchive';
import { launchProblems, type ProjectDescription } from './projectEntryPoints';
import { checkMlflowImport } from './pythonInterpreter';
import {
  buildWheels,
  DEFAULT_WHEEL_FOLDER,
  hasWheelPlaceholder,
  libraryPlaceholders,
  rewriteLibraries,
  rewriteWheelPlaceholders,
  type BuiltWheel,
} from './wheelPlaceholders';

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
export async function readClusterTarget(backendConfig: object | string, projectDir: string): Promise<ClusterTarget> {
  let config: unknown = backendConfig;
  let source = 'the backend config';
  if (typeof backendConfig === 'string') {
    const file = path.resolve(projectDir, backendConfig);
    source = path.basename(file);
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch {
      throw new Error(`The cluster spec ${file} does not exist: give --backend-config a JSON file with a new_cluster (see the Jobs API), e.g. cluster.json.`);
    }
    try {
      config = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}).`);
    }
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new Error(`${source} must be a JSON object with new_cluster (or the new_cluster fields).`);
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

/** What the checks before any request found: the project, its compute, and where the run's tracking goes. */
export interface DatabricksLaunchPlan {
  protocol: 'jobs' | 'legacy';
  project: ProjectDescription;
  compute: { kind: 'cluster' | 'serverless'; target?: ClusterTarget };
  /** `databricks`: the workspace the run is submitted to; `http`: a server both this machine and the cluster reach. */
  trackingKind: 'databricks' | 'http';
}

/**
 * Step 1, before any request: the project and its entry point, the compute (cluster spec or
 * serverless), wheel placeholders, libraries Databricks would refuse, the tracking URI. A string says
 * what to fix; an unreadable cluster spec throws with the same kind of message.
 */
export async function checkLaunchInputs(req: LaunchRequest, opts: DatabricksLaunchOptions): Promise<DatabricksLaunchPlan | string> {
  const protocol = opts.protocol ?? 'jobs';
  const { project, problems } = await launchProblems(req.projectDir, req.entryPoint, req.parameters);
  if (problems.length > 0) return problems.join('\n');
  if (project.environment?.kind === 'docker_env')
    return 'Running docker-based projects on Databricks is not yet supported (MLflow refuses docker_env there): use python_env or conda_env.';
  const compute = await chooseCompute(protocol, opts, req.projectDir);
  if (typeof compute === 'string') return compute;
  const target = compute.target;
  const placeholders = target ? libraryPlaceholders(target.libraries) : [];
  if (placeholders.length > 0 && !opts.buildWheels) {
    return `${target!.source} has the wheel placeholder ${placeholders[0]} in its libraries: launch with wheels built (--wheels) so it is replaced by the uploaded wheel, or put a real path there.`;
  }
  if (protocol === 'jobs' && target?.newCluster) {
    const refused = dbfsRootLibraryRefused(
      target.newCluster.spark_version,
      target.libraries.filter((l) => libraryPlaceholders([l]).length === 0),
    );
    if (refused) {
      return `${target.source}: the library ${refused} is in DBFS root, and Databricks Runtime 15.0 and above (spark_version ${String(target.newCluster.spark_version)}) refuses libraries from DBFS root. Put the library in workspace files or a Unity Catalog volume (e.g. {"whl": "/Volumes/<catalog>/<schema>/<volume>/<file>.whl"}), or build it with --wheels and a WHEELPATH placeholder.`;
    }
  }
  const trackingTarget = parseTrackingUri(req.trackingUri);
  if (trackingTarget.kind !== 'databricks' && trackingTarget.kind !== 'http') {
    return `When running on Databricks, the MLflow tracking URI must be 'databricks', 'databricks://profile' or a remote http(s) URI that both this machine and the cluster reach; got ${req.trackingUri}.`;
  }
  return { protocol, project, compute, trackingKind: trackingTarget.kind };
}

/** The project as uploaded: its reproducible archive, and the text of its environment files in it (wheel placeholders rewritten). */
export interface PackedProject {
  archive: ProjectArchive;
  /** Environment file (relative path) → its text as packed. */
  environmentTexts: Map<string, string>;
}

/** Step 4: tars the project; in its environment files, wheel placeholders become the built wheels' paths. */
export async function packProject(projectDir: string, project: ProjectDescription, wheels: BuiltWheel[]): Promise<PackedProject> {
  const envFiles = await environmentFiles(project);
  const environmentTexts = new Map<string, string>();
  const archive = await buildProjectArchive(projectDir, (rel, content) => {
    if (!envFiles.has(rel)) return undefined;
    const text = content.toString('utf8');
    const rewritten = wheels.length > 0 && hasWheelPlaceholder(text) ? rewriteWheelPlaceholders(text, wheels, rel) : text;
    environmentTexts.set(rel, rewritten);
    return rewritten === text ? undefined : Buffer.from(rewritten, 'utf8');
  });
  return { archive, environmentTexts };
}

/** The packed environment files' dependencies (the jobs protocol installs them); a wheel placeholder left in them is an error. */
export function jobsDependencies(environmentTexts: ReadonlyMap<string, string>): string[] {
  const dependencies = [...environmentTexts].flatMap(([name, text]) => environmentDependencies(name, text));
  const placeholder = dependencies.find((d) => hasWheelPlaceholder(d));
  if (placeholder) {
    throw new Error(
      `The environment file has the wheel placeholder ${placeholder}: launch with wheels built (--wheels) so it becomes the uploaded wheel's path, or put a real requirement there.`,
    );
  }
  return dependencies;
}

/** Step 7: the launch's end from the Databricks run's final state. */
export function launchOutcome(
  final: JobRun,
  ids: { runId: string; databricksRunId: number },
  cancelled: boolean,
  lastError?: string,
): { phase: LaunchPhase; message: string } {
  const result = final.state.result_state;
  const phase: LaunchPhase = result === 'SUCCESS' ? 'finished' : result === 'CANCELED' || cancelled ? 'killed' : 'failed';
  const stateMessage = final.state.state_message?.trim();
  const message =
    phase === 'finished'
      ? `Run ${ids.runId} finished on Databricks.`
      : phase === 'killed'
        ? `Databricks run ${ids.databricksRunId} was cancelled.`
        : `Databricks run ${ids.databricksRunId} ${final.state.life_cycle_state === 'INTERNAL_ERROR' ? 'could not run' : 'failed'} (${final.state.life_cycle_state}/${result ?? 'no result'}): ${stateMessage || 'no message'}${lastError ? `\n${lastError}` : ''}`;
  return { phase, message };
}

/** Builds the body of runs/submit once the MLflow run exists. */
type SubmitBody = (runId: string) => Promise<Record<string, unknown>>;

/** What step 5 uploads and then submits, whichever the protocol: the packed project, its wheels and where the run is tracked. */
interface PackedLaunch {
  plan: DatabricksLaunchPlan;
  packed: PackedProject;
  wheels: BuiltWheel[];
  libraries: unknown[];
  experimentId: string;
  clusterTrackingUri: string;
}

/**
 * Runs an MLflow project on Databricks the way `mlflow run -b databricks` does (tarball in DBFS,
 * MLflow run created first, `runs/submit` with MLflow's shell command), plus the CI steps: wheels
 * built, uploaded and substituted for placeholders. Uploads are skipped for files already present.
 */
export function launchOnDatabricks(req: LaunchRequest, opts: DatabricksLaunchOptions & { wait?: boolean }, events: LaunchEvents = {}): LaunchHandle {
  const launch = new DatabricksLaunch(req, opts, events);
  const done = launch.run();
  return { done, cancel: () => launch.cancel(done) };
}

/** One launch on Databricks: its steps in order (`steps`), the state they report, and cancelling it. */
class DatabricksLaunch {
  private cancelled = false;
  private readonly abort = new AbortController();
  /** Every request of the launch carries this signal: cancelling (Ctrl-C) ends a stalled request at once. */
  private readonly call: CallOptions = { signal: this.abort.signal };
  private readonly workspace: DatabricksClient;
  private tracking: MlflowRestClient | undefined;
  private databricksRunId: number | undefined;
  private state: LaunchState = { phase: 'validating' };
  private readonly uploaded: string[] = [];
  private lastError: string | undefined;

  constructor(
    private readonly req: LaunchRequest,
    private readonly opts: DatabricksLaunchOptions & { wait?: boolean },
    private readonly events: LaunchEvents,
  ) {
    this.workspace = new DatabricksClient({ host: opts.host, token: opts.token, auth: opts.auth });
  }

  /** The steps; any failure (or a cancellation) ends the launch with a state that says why. */
  run(): Promise<LaunchState> {
    return this.steps().catch((err: unknown) => this.ended(err));
  }

  async cancel(done: Promise<LaunchState>): Promise<void> {
    this.cancelled = true;
    this.abort.abort();
    const id = this.databricksRunId;
    if (id !== undefined) {
      await this.workspace
        .cancelRun(id, { signal: AbortSignal.timeout(CANCEL_CLEANUP_MS) })
        .catch((err: unknown) => this.output(`Could not cancel Databricks run ${id}: ${(err as Error).message}`, 'stderr'));
    }
    await done;
  }

  private async steps(): Promise<LaunchState> {
    this.emit('validating', { message: 'Checking the project and the cluster spec' });
    const plan = await checkLaunchInputs(this.req, this.opts);
    if (typeof plan === 'string') return this.fail(plan);
    const { userName, experimentId, tracking } = await this.connect(plan);
    const branch = sanitizeNameSegment(await currentGitBranch(this.req.projectDir).catch(() => 'no-branch'));
    const folder = plan.protocol === 'jobs' ? uploadFolder(this.workspace, this.opts.uploadTo || defaultUploadFolder(userName!)) : undefined;
    const wheels = await this.buildProjectWheels(branch, folder);

    this.emit('uploading', { message: 'Packing and uploading the project' });
    const packed = await packProject(this.req.projectDir, plan.project, wheels);
    const target = plan.compute.target;
    const libraries = target ? (wheels.length > 0 ? rewriteLibraries(target.libraries, wheels, target.source) : target.libraries) : [];
    const clusterTrackingUri = plan.trackingKind === 'databricks' ? 'databricks' : this.req.trackingUri;
    const upload: PackedLaunch = { plan, packed, wheels, libraries, experimentId, clusterTrackingUri };
    const submitBody = folder ? await this.uploadToFolder(folder, upload) : await this.uploadToDbfs(upload);
    this.checkCancelled();

    const submitted = await this.submit(plan, tracking, experimentId, submitBody);
    if (this.opts.wait === false) return this.state;
    return this.waitForResult(tracking, submitted);
  }

  /** Step 2: one cheap call to the workspace (a bad host or token is reported in its terms), the tracking client, the experiment. */
  private async connect(plan: DatabricksLaunchPlan): Promise<{ userName?: string; experimentId: string; tracking: MlflowRestClient }> {
    const userName =
      plan.protocol === 'legacy' ? (await this.workspace.dbfsGetStatus('/', this.call), undefined) : (await this.workspace.me(this.call)).userName;
    this.checkCancelled();
    // `databricks` tracking goes through the same workspace (and token) the run is submitted to.
    const tracking =
      plan.trackingKind === 'databricks'
        ? new MlflowRestClient({ baseUrl: this.opts.host, auth: this.workspace.auth })
        : new MlflowRestClient((await resolveTracking(this.req.trackingUri, { env: { ...process.env, ...(this.req.env ?? {}) } })).connection);
    this.tracking = tracking;
    const experimentId = this.req.experimentName
      ? await ensureExperiment(tracking, this.req.experimentName, this.call)
      : (this.req.env?.MLFLOW_EXPERIMENT_ID ?? process.env.MLFLOW_EXPERIMENT_ID ?? '0');
    this.checkCancelled();
    return { userName, experimentId, tracking };
  }

  /** Step 3 (with --wheels): the project's wheels, and where each goes in the upload folder. */
  private async buildProjectWheels(branch: string, folder: UploadFolder | undefined): Promise<BuiltWheel[]> {
    if (!this.opts.buildWheels) return [];
    this.emit('building', { message: 'Building the project wheel (python -m build)' });
    const wheels = await buildWheels(this.req.projectDir, {
      python: this.opts.python ?? 'python3',
      wheelFolder: this.opts.wheelFolder ?? DEFAULT_WHEEL_FOLDER,
      branch,
      isolation: this.opts.buildIsolation,
      onOutput: (text, stream) => this.output(text, stream),
      signal: this.abort.signal,
    });
    if (folder) for (const wheel of wheels) wheel.location = `${folder.root}/wheels/${branch}/${wheel.sha256.slice(0, 12)}/${wheel.fileName}`;
    this.checkCancelled();
    return wheels;
  }

  /** Step 5, jobs protocol: wheels, project snapshot and driver script into workspace files or a volume. */
  private async uploadToFolder(folder: UploadFolder, { plan, packed, wheels, libraries, experimentId, clusterTrackingUri }: PackedLaunch): Promise<SubmitBody> {
    const dependencies = jobsDependencies(packed.environmentTexts);
    for (const wheel of wheels) await this.uploadToFolderOnce(folder, wheel.location!, wheel.data);
    const archivePath = `${folder.root}/projects/${packed.archive.sha256}.tar.gz`;
    await this.uploadToFolderOnce(folder, archivePath, packed.archive.data);
    const driverPath = `${folder.root}/driver/${driverScriptName()}`;
    await this.uploadToFolderOnce(folder, driverPath, Buffer.from(DRIVER_SCRIPT, 'utf8'));
    this.emit('uploading', {
      message: this.uploaded.length ? `Uploaded ${this.uploaded.join(', ')}` : `Project and wheels already in ${folder.root}: nothing uploaded`,
    });
    const mlflowVersion = await this.mlflowVersion();
    const mlflowRequirement = mlflowVersion ? `mlflow==${mlflowVersion}` : 'mlflow';
    const { req } = this;
    const target = plan.compute.target;
    return async (runId) =>
      jobsSubmitBody({
        runName: `MLflow Run for ${path.resolve(req.projectDir)}`,
        idempotencyToken: `mlflow-wb-${runId}`,
        pythonFile: driverPath,
        parameters: driverTaskParameters({
          archivePath,
          entryPoint: req.entryPoint,
          parameters: req.parameters,
          mlflowRunId: runId,
          experimentId,
          trackingUri: clusterTrackingUri,
        }),
        compute:
          plan.compute.kind === 'serverless'
            ? { kind: 'serverless', dependencies: withMlflow(dependencies, mlflowRequirement) }
            : {
                kind: 'cluster',
                newCluster: target!.newCluster,
                existingClusterId: target!.existingClusterId,
                libraries: uniqueLibraries([...libraries, ...withMlflow(dependencies, mlflowRequirement).map(dependencyAsLibrary)]),
              },
      });
  }

  /** Step 5, legacy protocol: wheels and project tarball into DBFS, for MLflow's shell command (or a spark_python_task). */
  private async uploadToDbfs({ plan, packed, wheels, libraries, experimentId, clusterTrackingUri }: PackedLaunch): Promise<SubmitBody> {
    for (const wheel of wheels) await this.uploadToDbfsOnce(wheel.dbfsUri, wheel.data);
    const tarDbfsPath = projectCodeDbfsPath(experimentId, `${packed.archive.sha256}.tar.gz`);
    await this.uploadToDbfsOnce(`dbfs:/${tarDbfsPath}`, packed.archive.data);
    const fuseTar = `/dbfs/${tarDbfsPath}`;
    this.emit('uploading', { message: this.uploaded.length ? `Uploaded ${this.uploaded.join(', ')}` : 'Project and wheels already in DBFS: nothing uploaded' });
    return (runId) => this.legacySubmitBody(plan.project, runId, fuseTar, plan.compute.target!, libraries, experimentId, clusterTrackingUri);
  }

  /** Step 6: the MLflow run (created first, as `mlflow run` does), then the Databricks run, tagged on the MLflow run. */
  private async submit(
    plan: DatabricksLaunchPlan,
    tracking: MlflowRestClient,
    experimentId: string,
    submitBody: SubmitBody,
  ): Promise<{ runId: string; databricksRunId: number; run: JobRun }> {
    this.emit('submitting', { message: 'Creating the MLflow run and submitting the Databricks run' });
    const runId = await createMlflowRun(tracking, this.req, plan.project, experimentId, this.call);
    this.emit('submitting', { mlflowRunId: runId });
    const body = await submitBody(runId);
    this.checkCancelled();
    const databricksRunId =
      plan.protocol === 'jobs'
        ? // The idempotency token makes a retried submit start at most one run, so the transport may retry it.
          (await this.workspace.requestJson<{ run_id: number }>('POST', '/api/2.2/jobs/runs/submit', { json: body, idempotent: true, ...this.call })).run_id
        : await this.workspace.submitSingleTaskRun(body, this.call);
    this.databricksRunId = databricksRunId;
    const submitted = await this.workspace.getRun(databricksRunId, this.call);
    const runPageUrl = submitted.run_page_url;
    this.emit('pending', { databricksRunId, runPageUrl, message: `Submitted Databricks run ${databricksRunId}` });
    this.output(`=== Launched MLflow run ${runId} as Databricks job run ${databricksRunId} ===`);
    if (runPageUrl) this.output(`=== Check the run's status at ${runPageUrl} ===`);
    await tagRun(tracking, runId, submitted, this.opts.host, this.call);
    return { runId, databricksRunId, run: submitted };
  }

  /** Step 7: polls the Databricks run to its end, shows its output, and ends the MLflow run if the cluster did not. */
  private async waitForResult(tracking: MlflowRestClient, submitted: { runId: string; databricksRunId: number; run: JobRun }): Promise<LaunchState> {
    const { runId, databricksRunId } = submitted;
    const final = await this.pollUntilDone(databricksRunId, submitted.run);
    await this.showRunOutput(final);
    const { phase, message } = launchOutcome(final, { runId, databricksRunId }, this.cancelled, this.lastError);
    await settleMlflowRun(tracking, runId, phase);
    return this.finish(phase, message);
  }

  /** How a launch that threw ends: cancelled (the MLflow run it created ends as KILLED), or failed with the error's message. */
  private async ended(err: unknown): Promise<LaunchState> {
    if (err instanceof LaunchCancelled || this.cancelled) {
      // Bounded: the server may be the one stalling.
      if (this.tracking && this.state.mlflowRunId)
        await settleMlflowRun(this.tracking, this.state.mlflowRunId, 'killed', { signal: AbortSignal.timeout(CANCEL_CLEANUP_MS) });
      return this.finish(
        'killed',
        this.databricksRunId === undefined ? 'The launch was cancelled before the run was submitted.' : `Databricks run ${this.databricksRunId} was cancelled.`,
      );
    }
    const message = err instanceof DatabricksApiError || err instanceof MlflowApiError || err instanceof Error ? err.message : String(err);
    return this.fail(message);
  }

  private mlflowVersion(): Promise<string | undefined> {
    return mlflowVersionOf(this.opts.python, this.abort.signal);
  }

  private async legacySubmitBody(
    project: ProjectDescription,
    runId: string,
    fuseTar: string,
    target: ClusterTarget,
    libraries: unknown[],
    experimentId: string,
    clusterTrackingUri: string,
  ): Promise<Record<string, unknown>> {
    const runName = `MLflow Run for ${path.resolve(this.req.projectDir)}`;
    if (project.databricksSparkJob) return this.sparkJobBody(project, experimentId, runId, fuseTar, target, runName);
    const version = await this.mlflowVersion();
    const mlflowLib = { pypi: { package: version ? `mlflow==${version}` : 'mlflow' } };
    const hasMlflowGit = libraries.some((l) =>
      /^git\+https:\/\/github\.com\/[\w-]+\/mlflow/.test(String((l as { pypi?: { package?: string } }).pypi?.package ?? '')),
    );
    return {
      run_name: runName,
      ...(target.existingClusterId ? { existing_cluster_id: target.existingClusterId } : { new_cluster: target.newCluster }),
      shell_command_task: {
        command: databricksRunCommand(fuseTar, runId, this.req.entryPoint, this.req.parameters, this.opts.envManager),
        env_vars: { MLFLOW_TRACKING_URI: clusterTrackingUri, MLFLOW_EXPERIMENT_ID: experimentId },
      },
      libraries: hasMlflowGit ? libraries : [...libraries, mlflowLib],
    };
  }

  /** Uploads unless a file of the same size is already there (the paths are content-addressed). */
  private async uploadToFolderOnce(folder: UploadFolder, remotePath: string, data: Buffer): Promise<void> {
    if ((await folder.sizeOf(remotePath, this.call)) === data.length) return;
    await folder.write(remotePath, data, this.call);
    this.uploaded.push(remotePath);
    this.emit('uploading', { message: `Uploaded ${remotePath}` });
  }

  private async uploadToDbfsOnce(dbfsUri: string, data: Buffer): Promise<void> {
    if (await this.workspace.dbfsGetStatus(dbfsUri, this.call)) return;
    try {
      await this.workspace.dbfsUpload(dbfsUri, data, this.call);
      this.uploaded.push(dbfsUri);
      this.emit('uploading', { message: `Uploaded ${dbfsUri}` });
    } catch (err) {
      // Another launch uploaded the same content meanwhile: the path is content-addressed, so it is ours too.
      if (err instanceof DatabricksApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
      throw err;
    }
  }

  private async sparkJobBody(
    project: ProjectDescription,
    experimentId: string,
    runId: string,
    fuseTar: string,
    target: ClusterTarget,
    runName: string,
  ): Promise<Record<string, unknown>> {
    const r = this.req;
    const spec = project.databricksSparkJob!;
    let jobFile: string;
    let jobParameters: string[];
    if (spec.pythonFile) {
      if (r.entryPoint !== 'main' || Object.keys(r.parameters).length > 0) {
        this.output(
          "The MLproject's databricks_spark_job sets python_file and parameters: the entry point and parameters given are ignored (as mlflow run does).",
          'stderr',
        );
      }
      jobFile = spec.pythonFile;
      jobParameters = spec.parameters;
    } else {
      const entry = project.entryPoints.find((e) => e.name === r.entryPoint);
      const command = (entry?.command ?? '').replace(
        /\{(\w+)\}/g,
        (_, k: string) => r.parameters[k] ?? entry?.parameters.find((p) => p.name === k)?.default ?? '',
      );
      const parts = command.split(' ');
      if (parts[0] !== 'python') throw new Error("Databricks spark job only supports 'python' command in the entry point configuration.");
      jobFile = parts[1] ?? '';
      jobParameters = parts.slice(2);
    }
    const envVars = { MLFLOW_TRACKING_URI: 'databricks', MLFLOW_EXPERIMENT_ID: experimentId, MLFLOW_RUN_ID: runId };
    const code = sparkJobWrapper(envVars, fuseTar, await fs.promises.readFile(path.join(r.projectDir, jobFile), 'utf8'));
    // MLflow names it with a random uuid; a content hash names the same file the same, so it is uploaded once.
    const name = `${crypto.createHash('sha256').update(code).digest('hex').slice(0, 32)}.py`;
    const codePath = projectCodeDbfsPath(experimentId, name);
    await this.uploadToDbfsOnce(`dbfs:/${codePath}`, Buffer.from(code, 'utf8'));
    return {
      run_name: runName,
      ...(target.existingClusterId ? { existing_cluster_id: target.existingClusterId } : { new_cluster: target.newCluster }),
      libraries: spec.pythonLibraries.map((lib) => ({ pypi: { package: lib } })),
      spark_python_task: { python_file: `dbfs:/${codePath}`, parameters: jobParameters },
    };
  }

  private async pollUntilDone(id: number, first: JobRun): Promise<JobRun> {
    let run = first;
    let interval = this.opts.pollIntervalMs ?? 2000;
    const maxInterval = interval * 10;
    let last = '';
    for (;;) {
      const lc = run.state.life_cycle_state;
      const key = `${lc}/${run.state.result_state ?? ''}/${run.state.state_message ?? ''}`;
      if (key !== last) {
        last = key;
        if (!isTerminalLifeCycle(lc)) {
          const phase: LaunchPhase = lc === 'RUNNING' || lc === 'TERMINATING' ? 'running' : 'pending';
          this.emit(phase, { message: `${lc}${run.state.state_message ? `: ${run.state.state_message}` : ''}` });
        }
      }
      if (isTerminalLifeCycle(lc)) return run;
      await this.workspace.pause(interval, this.abort.signal, '/api/2.1/jobs/runs/get');
      interval = Math.min(Math.round(interval * 1.5), maxInterval);
      run = await this.workspace.getRun(id, this.call);
    }
  }

  private async showRunOutput(run: JobRun): Promise<void> {
    try {
      // runs/get-output takes a task run's id (the parent's only answers for single-task runs).
      const task = run.tasks?.find((t) => t.state?.result_state !== 'SUCCESS') ?? run.tasks?.[0];
      const out = await this.workspace.getRunOutput(task?.run_id ?? run.run_id, this.call);
      if (out.logs) this.output(out.logs);
      if (out.logs_truncated) this.output('(the driver log was truncated by Databricks; see the run page for all of it)', 'stderr');
      if (out.error) {
        this.lastError = [out.error, out.error_trace?.trim().split('\n').slice(-6).join('\n')].filter(Boolean).join('\n');
        this.output(out.error_trace ?? out.error, 'stderr');
      }
    } catch (err) {
      this.output(`Could not read the run's output: ${(err as Error).message}`, 'stderr');
    }
  }

  private emit(phase: LaunchPhase, extra: Partial<LaunchState> = {}): void {
    this.state = { ...this.state, ...extra, phase, uploaded: [...this.uploaded] };
    try {
      this.events.onState?.({ ...this.state });
    } catch {
      /* a listener's failure must not break the launch */
    }
  }

  private output(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    try {
      this.events.onOutput?.(text.endsWith('\n') ? text : `${text}\n`, stream);
    } catch {
      /* as above */
    }
  }

  private checkCancelled(): void {
    if (this.cancelled) throw new LaunchCancelled();
  }

  private finish(phase: LaunchPhase, message: string): LaunchState {
    this.emit(phase, { message });
    return { ...this.state };
  }

  private fail(message: string): LaunchState {
    return this.finish('failed', message);
  }
}

/** Job cluster (from the cluster spec) or serverless, or what is wrong with the choice. */
async function chooseCompute(
  protocol: 'jobs' | 'legacy',
  opts: DatabricksLaunchOptions,
  projectDir: string,
): Promise<{ kind: 'cluster' | 'serverless'; target?: ClusterTarget } | string> {
  if (opts.serverless) {
    if (protocol === 'legacy')
      return 'Serverless compute needs the jobs protocol: the legacy protocol (DBFS root, shell_command_task) runs only on a job cluster. Drop --protocol legacy or --serverless.';
    if (opts.backendConfig !== undefined)
      return 'A cluster spec and serverless were both given: serverless runs take no cluster spec (drop --backend-config, or drop --serverless to run on that job cluster).';
    return { kind: 'serverless' };
  }
  if (opts.backendConfig === undefined)
    return 'No compute given: pass a cluster spec (--backend-config cluster.json with a new_cluster) or run on serverless (--serverless).';
  return { kind: 'cluster', target: await readClusterTarget(opts.backendConfig, projectDir) };
}

/** The dependencies, plus mlflow (which the driver script needs) unless they name it already. */
function withMlflow(dependencies: string[], mlflowRequirement: string): string[] {
  return dependencies.some(namesMlflow) ? dependencies : [...dependencies, mlflowRequirement];
}

/** The MLproject's environment file plus top-level requirements files: where wheel placeholders are rewritten. */
async function environmentFiles(project: ProjectDescription): Promise<Set<string>> {
  const files = new Set<string>();
  if (project.environment?.file) files.add(project.environment.file.replace(/^\.\//, ''));
  if (!project.mlprojectPath) files.add('conda.yaml');
  if (project.mlprojectPath) {
    for (const name of await fs.promises.readdir(path.dirname(project.mlprojectPath))) if (/^requirements.*\.txt$/.test(name)) files.add(name);
  }
  return files;
}

/** Creates the run before submitting, with the tags and params `mlflow run` gives it (mlflow/projects/utils.py _create_run). */
async function createMlflowRun(
  client: MlflowRestClient,
  req: LaunchRequest,
  project: ProjectDescription,
  experimentId: string,
  call: CallOptions,
): Promise<string> {
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
