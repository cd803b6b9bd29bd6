import { booleanParam, integerParam, requestParams, type ApiRequest } from './apiRequest';
import type { ClustersApi } from './clustersApi';
import { DatabricksError } from './databricksErrors';
import type { ClusterSandbox, Library, RunExecutor, TaskDefinition, TaskResult } from './runExecutor';

export type LifeCycleState = 'QUEUED' | 'PENDING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR';
export type ResultState = 'SUCCESS' | 'FAILED' | 'CANCELED' | 'TIMEDOUT' | 'UPSTREAM_FAILED' | 'UPSTREAM_CANCELED';

export interface RunState {
  life_cycle_state: LifeCycleState;
  result_state?: ResultState;
  state_message: string;
  user_cancelled_or_timedout: boolean;
}

const TASK_KINDS = ['spark_python_task', 'python_wheel_task', 'shell_command_task'] as const;
/** Task types of the Jobs 2.1/2.2 reference that the emulator does not run (Spark, notebooks, SQL, ...). */
const UNSUPPORTED_TASK_KINDS = [
  'notebook_task',
  'spark_jar_task',
  'spark_submit_task',
  'pipeline_task',
  'sql_task',
  'dbt_task',
  'run_job_task',
  'for_each_task',
  'condition_task',
  'clean_rooms_notebook_task',
  'dashboard_task',
  'power_bi_task',
  'gen_ai_compute_task',
];

/** One job-level environment of a serverless submit: `{environment_key, spec: {client | environment_version, dependencies}}`. */
interface Environment {
  environment_key: string;
  dependencies: string[];
}

interface TaskSpec extends TaskDefinition {
  task_key: string;
  depends_on?: { task_key: string }[];
  new_cluster?: Record<string, unknown>;
  existing_cluster_id?: string;
  /** Serverless compute: the key of one of the submit's `environments`. */
  environment_key?: string;
  timeout_seconds?: number;
}

interface TaskRun {
  run_id: number;
  spec: TaskSpec;
  state: RunState;
  start_time: number;
  setup_duration: number;
  execution_duration: number;
  end_time: number;
  cluster_id?: string;
  result?: TaskResult;
  error?: string;
  error_trace?: string;
}

interface JobRun {
  run_id: number;
  job_id: number;
  run_name: string;
  /** Submitted with the task at the top level (Jobs 2.0 / MLflow) rather than in `tasks`. */
  singleTask: boolean;
  timeout_seconds: number;
  state: RunState;
  start_time: number;
  setup_duration: number;
  execution_duration: number;
  end_time: number;
  tasks: TaskRun[];
  abort: AbortController;
  cancelled: boolean;
}

export interface JobsApiOptions {
  executor: RunExecutor;
  clusters: ClustersApi;
  workspaceUrl: () => string;
  workspaceId: string;
  userName: string;
  pendingMs: number;
  /** Old workspaces (legacyDbfs): libraries from DBFS root still install on Runtime 15+. */
  dbfsRootLibraries?: boolean;
}

/** Jobs API 2.0/2.1 one-time runs: runs/submit, get, get-output, cancel, list. Runs really execute. */
export class JobsApi {
  private readonly runs = new Map<number, JobRun>();
  private readonly taskRuns = new Map<number, { run: JobRun; task: TaskRun }>();
  private nextId = 100_000 + Math.floor(Math.random() * 800_000);
  private failNext: string[] = [];
  /** `idempotency_token` → the run it started: a retried submit gets the same run. */
  private readonly idempotent = new Map<string, number>();
  private readonly finished = new Set<Promise<void>>();

  constructor(private readonly options: JobsApiOptions) {}

  set pendingMs(ms: number) {
    this.options.pendingMs = ms;
  }

  /** The next submitted run's cluster fails to start (INTERNAL_ERROR / FAILED). */
  failNextRun(message?: string): void {
    this.failNext.push(
      message ?? 'Cluster failed to launch: Cloud provider launch failure: the requested instance type is not available in this availability zone (emulated).',
    );
  }

  handle(req: ApiRequest, operation: string, apiVersion: '2.0' | '2.1' | '2.2'): unknown {
    const version = apiVersion === '2.0' ? '2.0' : '2.1';
    const params = requestParams(req);
    switch (`${req.method} ${operation}`) {
      case 'POST runs/submit':
        return { run_id: this.submit(params) };
      case 'GET runs/get':
        return this.describe(this.lookup(params).run, version);
      case 'GET runs/get-output':
        return this.output(params, version);
      case 'POST runs/cancel':
        this.cancel(this.lookup(params).run);
        return {};
      case 'GET runs/list':
        return this.list(params, version);
      default:
        throw DatabricksError.endpointNotFound(req.method, req.path);
    }
  }

  /** Kills everything still running (emulator stop). */
  async stopAll(): Promise<void> {
    for (const run of this.runs.values()) if (!isTerminal(run.state)) this.cancel(run);
    await Promise.all([...this.finished]);
  }

  private submit(body: Record<string, unknown>): number {
    const token = body.idempotency_token;
    if (token !== undefined) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 64)
        throw DatabricksError.invalidParameter('idempotency_token must be a string of at most 64 characters.');
      const earlier = this.idempotent.get(token);
      if (earlier !== undefined) return earlier;
    }
    const singleTask = !Array.isArray(body.tasks);
    const environments = readEnvironments(body.environments);
    const specs: TaskSpec[] = singleTask ? [this.singleTaskSpec(body)] : (body.tasks as unknown[]).map((t, i) => this.taskSpec(t, i, environments));
    if (specs.length === 0) throw DatabricksError.invalidParameter('tasks must contain at least one task.');
    const keys = new Set<string>();
    for (const spec of specs) {
      if (keys.has(spec.task_key)) throw DatabricksError.invalidParameter(`Task key ${spec.task_key} is used by more than one task.`);
      keys.add(spec.task_key);
    }
    for (const spec of specs) {
      for (const dep of spec.depends_on ?? []) {
        if (!keys.has(dep.task_key))
          throw DatabricksError.invalidParameter(`Task ${spec.task_key} depends on ${dep.task_key}, which is not a task of this run.`);
      }
    }
    const runId = this.nextId++;
    if (typeof token === 'string') this.idempotent.set(token, runId);
    const run: JobRun = {
      run_id: runId,
      job_id: this.nextId++,
      run_name: typeof body.run_name === 'string' && body.run_name ? body.run_name : 'Untitled',
      singleTask,
      timeout_seconds: typeof body.timeout_seconds === 'number' ? body.timeout_seconds : 0,
      state: { life_cycle_state: 'PENDING', state_message: 'Waiting for cluster', user_cancelled_or_timedout: false },
      start_time: Date.now(),
      setup_duration: 0,
      execution_duration: 0,
      end_time: 0,
      tasks: orderByDependencies(specs).map((spec) => ({
        run_id: this.nextId++,
        spec,
        state: { life_cycle_state: 'PENDING', state_message: '', user_cancelled_or_timedout: false },
        start_time: 0,
        setup_duration: 0,
        execution_duration: 0,
        end_time: 0,
      })),
      abort: new AbortController(),
      cancelled: false,
    };
    this.runs.set(runId, run);
    for (const task of run.tasks) this.taskRuns.set(task.run_id, { run, task });
    const done = this.execute(run, this.failNext.shift()).catch((err: Error) => {
      finish(run, 'INTERNAL_ERROR', 'FAILED', `The emulator failed to run this job: ${err.message}`);
    });
    this.finished.add(done);
    void done.finally(() => this.finished.delete(done));
    return runId;
  }

  private singleTaskSpec(body: Record<string, unknown>): TaskSpec {
    const { run_name: _n, timeout_seconds: _t, idempotency_token: _i, environments: _e, ...task } = body;
    void [_n, _t, _i, _e];
    const spec = this.taskSpec({ ...task, task_key: body.task_key ?? 'run', timeout_seconds: undefined }, 0, new Map());
    return spec;
  }

  private taskSpec(raw: unknown, index: number, environments: Map<string, Environment>): TaskSpec {
    if (!raw || typeof raw !== 'object') throw DatabricksError.invalidParameter(`tasks[${index}] must be an object.`);
    const t = raw as Record<string, unknown>;
    const where = typeof t.task_key === 'string' ? `Task ${t.task_key}` : `tasks[${index}]`;
    if (typeof t.task_key !== 'string' || !/^[\w-]{1,100}$/.test(t.task_key)) {
      throw DatabricksError.invalidParameter(`${where}: task_key is required (letters, digits, - and _; up to 100 characters).`);
    }
    const unknown = Object.keys(t).find(
      (k) => k.endsWith('_task') && !TASK_KINDS.includes(k as (typeof TASK_KINDS)[number]) && !UNSUPPORTED_TASK_KINDS.includes(k),
    );
    if (unknown) throw DatabricksError.invalidParameter(`${where}: unknown task type ${unknown}.`);
    const allKinds = Object.keys(t).filter(
      (k) => t[k] !== undefined && (TASK_KINDS.includes(k as (typeof TASK_KINDS)[number]) || UNSUPPORTED_TASK_KINDS.includes(k)),
    );
    if (allKinds.length !== 1) {
      throw DatabricksError.invalidParameter(
        `${where}: a task must have exactly one task type (${TASK_KINDS.join(', ')}, notebook_task, ...)${allKinds.length ? `; got ${allKinds.join(', ')}` : ''}.`,
      );
    }
    if (UNSUPPORTED_TASK_KINDS.includes(allKinds[0]!))
      throw DatabricksError.invalidParameter(`${where}: ${allKinds[0]} is not supported by this emulator (it runs ${TASK_KINDS.join(', ')}).`);
    this.validateTaskBody(where, t);
    const clusterKeys = ['new_cluster', 'existing_cluster_id', 'job_cluster_key'].filter((k) => t[k] !== undefined);
    if (clusterKeys.length > 1)
      throw DatabricksError.invalidParameter(`${where}: give one of new_cluster, existing_cluster_id or job_cluster_key, not ${clusterKeys.join(' and ')}.`);
    let environment: Environment | undefined;
    if (clusterKeys.length === 0) {
      // Serverless compute: an environment from the submit's environments[] carries the dependencies.
      if (t.shell_command_task !== undefined)
        throw DatabricksError.invalidParameter(`${where}: shell_command_task needs a cluster (new_cluster or existing_cluster_id).`);
      if (typeof t.environment_key !== 'string' || !t.environment_key) {
        throw DatabricksError.invalidParameter(
          `An environment is required for serverless task ${t.task_key}. Please specify one in the environment_key field and add it to environments.`,
        );
      }
      environment = environments.get(t.environment_key);
      if (!environment)
        throw DatabricksError.invalidParameter(
          `${where}: environment_key ${t.environment_key} is not one of the environments of this run (${[...environments.keys()].join(', ') || 'none given'}).`,
        );
      if (t.libraries !== undefined)
        throw DatabricksError.invalidParameter(`${where}: Libraries field is not supported for serverless task, please specify libraries in environment.`);
    } else if (t.environment_key !== undefined) {
      throw DatabricksError.invalidParameter(`${where}: environment_key is for serverless tasks; this task has ${clusterKeys[0]}.`);
    }
    if (t.job_cluster_key !== undefined)
      throw DatabricksError.invalidParameter(`${where}: job_cluster_key is not supported by this emulator; use new_cluster.`);
    if (t.existing_cluster_id !== undefined) {
      const id = String(t.existing_cluster_id);
      if (!this.options.clusters.find(id)) throw DatabricksError.invalidParameter(`Cluster ${id} does not exist`);
    }
    if (t.new_cluster !== undefined) validateNewCluster(where, t.new_cluster);
    if (t.libraries !== undefined && !Array.isArray(t.libraries)) throw DatabricksError.invalidParameter(`${where}: libraries must be a list.`);
    const sparkVersion = (t.new_cluster as { spark_version?: unknown } | undefined)?.spark_version;
    if (!this.options.dbfsRootLibraries && Array.isArray(t.libraries) && typeof sparkVersion === 'string' && runtimeMajor(sparkVersion) >= 15) {
      const fromDbfs = (t.libraries as Library[]).flatMap((l) => Object.values(l)).find((v) => typeof v === 'string' && isDbfsRootPath(v));
      if (fromDbfs) {
        throw DatabricksError.invalidParameter(
          `${where}: installing libraries from DBFS root (${String(fromDbfs)}) is disabled on Databricks Runtime 15.0 and above (spark_version ${sparkVersion}). Store the library in workspace files (/Workspace/...) or a Unity Catalog volume (/Volumes/...).`,
        );
      }
    }
    return {
      task_key: t.task_key,
      depends_on: Array.isArray(t.depends_on) ? (t.depends_on as { task_key: string }[]) : undefined,
      new_cluster: t.new_cluster as Record<string, unknown> | undefined,
      existing_cluster_id: t.existing_cluster_id as string | undefined,
      environment_key: environment?.environment_key,
      environmentDependencies: environment?.dependencies,
      libraries: t.libraries as Library[] | undefined,
      spark_python_task: t.spark_python_task as TaskSpec['spark_python_task'],
      python_wheel_task: t.python_wheel_task as TaskSpec['python_wheel_task'],
      shell_command_task: t.shell_command_task as TaskSpec['shell_command_task'],
      spark_env_vars: ((t.new_cluster as Record<string, unknown> | undefined)?.spark_env_vars ?? undefined) as Record<string, string> | undefined,
      timeout_seconds: typeof t.timeout_seconds === 'number' ? t.timeout_seconds : undefined,
    };
  }

  private validateTaskBody(where: string, t: Record<string, unknown>): void {
    const py = t.spark_python_task as Record<string, unknown> | undefined;
    if (py !== undefined) {
      if (typeof py.python_file !== 'string' || !py.python_file) throw DatabricksError.invalidParameter(`${where}: spark_python_task.python_file is required.`);
      if (py.parameters !== undefined && !Array.isArray(py.parameters))
        throw DatabricksError.invalidParameter(`${where}: spark_python_task.parameters must be a list of strings.`);
    }
    const wheel = t.python_wheel_task as Record<string, unknown> | undefined;
    if (wheel !== undefined && (typeof wheel.package_name !== 'string' || typeof wheel.entry_point !== 'string')) {
      throw DatabricksError.invalidParameter(`${where}: python_wheel_task needs package_name and entry_point.`);
    }
    const shell = t.shell_command_task as Record<string, unknown> | undefined;
    if (shell !== undefined && typeof shell.command !== 'string' && !Array.isArray(shell.command)) {
      throw DatabricksError.invalidParameter(`${where}: shell_command_task.command must be a string or a list of strings.`);
    }
  }

  private async execute(run: JobRun, clusterFailure: string | undefined): Promise<void> {
    // Cluster start: PENDING for the configured delay (cancellable).
    await sleep(this.options.pendingMs, run.abort.signal);
    if (run.cancelled) return;
    if (clusterFailure !== undefined) {
      run.setup_duration = Date.now() - run.start_time;
      for (const task of run.tasks)
        task.state = { life_cycle_state: 'INTERNAL_ERROR', result_state: 'FAILED', state_message: clusterFailure, user_cancelled_or_timedout: false };
      finish(run, 'INTERNAL_ERROR', 'FAILED', clusterFailure);
      return;
    }
    run.setup_duration = Date.now() - run.start_time;
    run.state = { life_cycle_state: 'RUNNING', state_message: 'In run', user_cancelled_or_timedout: false };
    const runDeadline = run.timeout_seconds > 0 ? run.start_time + run.timeout_seconds * 1000 : Infinity;
    const failed = new Set<string>();
    let timedOut = false;
    for (const task of run.tasks) {
      if (run.cancelled) break;
      const upstreamFailed = (task.spec.depends_on ?? []).some((d) => failed.has(d.task_key));
      if (upstreamFailed || timedOut) {
        failed.add(task.spec.task_key);
        task.state = {
          life_cycle_state: 'SKIPPED',
          result_state: 'UPSTREAM_FAILED',
          state_message: 'Upstream task failed.',
          user_cancelled_or_timedout: false,
        };
        continue;
      }
      const outcome = await this.executeTask(run, task, runDeadline);
      if (outcome === 'TIMEDOUT') timedOut = true;
      if (outcome !== 'SUCCESS') failed.add(task.spec.task_key);
    }
    if (run.cancelled) return;
    run.execution_duration = Date.now() - run.start_time - run.setup_duration;
    run.state = { life_cycle_state: 'TERMINATING', state_message: 'Terminating the cluster', user_cancelled_or_timedout: false };
    await sleep(50);
    if (timedOut) {
      finish(run, 'TERMINATED', 'TIMEDOUT', 'Run timed out.', true);
    } else if (failed.size > 0) {
      const first = run.tasks.find((t) => t.state.result_state === 'FAILED' || t.state.result_state === 'TIMEDOUT');
      const detail = first?.error ? ` with message: ${first.error}` : '';
      const message = run.singleTask
        ? `Workload failed, see run output for details${detail}`
        : `Task ${first?.spec.task_key} failed${detail}. This caused all downstream tasks to get skipped.`;
      finish(run, 'TERMINATED', 'FAILED', message);
    } else {
      finish(run, 'TERMINATED', 'SUCCESS', '');
    }
  }

  private async executeTask(run: JobRun, task: TaskRun, runDeadline: number): Promise<ResultState> {
    task.start_time = Date.now();
    const serverless = task.spec.environment_key !== undefined;
    task.cluster_id = serverless
      ? undefined
      : (task.spec.existing_cluster_id ??
        `${new Date().toISOString().slice(5, 10).replace('-', '')}-${String(run.run_id).padStart(6, '0')}-emujob${task.run_id % 1000}`);
    task.state = { life_cycle_state: 'RUNNING', state_message: 'In run', user_cancelled_or_timedout: false };
    const sandbox: ClusterSandbox = this.options.executor.createSandbox(task.run_id);
    const taskAbort = new AbortController();
    const onRunAbort = () => taskAbort.abort();
    run.abort.signal.addEventListener('abort', onRunAbort, { once: true });
    const deadline = Math.min(runDeadline, task.spec.timeout_seconds ? task.start_time + task.spec.timeout_seconds * 1000 : Infinity);
    let timedOut = false;
    const timer = Number.isFinite(deadline)
      ? setTimeout(
          () => {
            timedOut = true;
            taskAbort.abort();
          },
          Math.max(0, deadline - Date.now()),
        )
      : undefined;
    const result = await this.options.executor.runTask(task.spec, sandbox, taskAbort.signal);
    if (timer) clearTimeout(timer);
    run.abort.signal.removeEventListener('abort', onRunAbort);
    task.result = result;
    task.end_time = Date.now();
    task.execution_duration = task.end_time - task.start_time;
    if (run.cancelled) {
      task.state = { life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: 'Run cancelled.', user_cancelled_or_timedout: true };
      return 'CANCELED';
    }
    if (timedOut) {
      task.error = 'Run timed out.';
      task.state = { life_cycle_state: 'TERMINATED', result_state: 'TIMEDOUT', state_message: 'Run timed out.', user_cancelled_or_timedout: true };
      return 'TIMEDOUT';
    }
    if (result.exitCode === 0 && !result.setupError) {
      task.state = { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: '', user_cancelled_or_timedout: false };
      return 'SUCCESS';
    }
    const { error, trace } = describeFailure(result);
    task.error = error;
    task.error_trace = trace;
    const lifeCycle: LifeCycleState = result.setupError ? 'INTERNAL_ERROR' : 'TERMINATED';
    task.state = { life_cycle_state: lifeCycle, result_state: 'FAILED', state_message: error, user_cancelled_or_timedout: false };
    return 'FAILED';
  }

  private cancel(run: JobRun): void {
    if (isTerminal(run.state) || run.cancelled) return;
    run.cancelled = true;
    run.state = { ...run.state, life_cycle_state: 'TERMINATING', state_message: 'Run cancellation requested.' };
    run.abort.abort();
    const done = (async () => {
      // Wait for the running task's process group to exit before reporting TERMINATED.
      while (run.tasks.some((t) => t.state.life_cycle_state === 'RUNNING')) await sleep(25);
      for (const task of run.tasks) {
        if (!isTerminal(task.state))
          task.state = { life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: 'Run cancelled.', user_cancelled_or_timedout: true };
      }
      if (run.setup_duration === 0) run.setup_duration = Date.now() - run.start_time;
      finish(run, 'TERMINATED', 'CANCELED', 'Run cancelled.', true);
    })();
    this.finished.add(done);
    void done.finally(() => this.finished.delete(done));
  }

  private lookup(params: Record<string, unknown>): { run: JobRun; task?: TaskRun } {
    const id = integerParam(params, 'run_id');
    const run = this.runs.get(id);
    if (run) return { run };
    const task = this.taskRuns.get(id);
    if (task) return task;
    throw DatabricksError.invalidParameter(`Run ${id} does not exist.`);
  }

  private output(params: Record<string, unknown>, version: '2.0' | '2.1'): unknown {
    const { run, task: asked } = this.lookup(params);
    let task = asked;
    if (!task) {
      if (run.tasks.length > 1) {
        throw DatabricksError.invalidParameter(
          `Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead (task run ids: ${run.tasks.map((t) => t.run_id).join(', ')}).`,
        );
      }
      task = run.tasks[0];
    }
    const body: Record<string, unknown> = { metadata: asked ? this.describeTask(run, asked) : this.describe(run, version) };
    if (task?.result) {
      body.logs = task.result.logs;
      body.logs_truncated = task.result.logsTruncated;
    }
    const failure = task?.error ?? (run.state.result_state === 'FAILED' ? run.state.state_message : undefined);
    if (failure) body.error = failure;
    if (task?.error_trace) body.error_trace = task.error_trace;
    return body;
  }

  private list(params: Record<string, unknown>, version: '2.0' | '2.1'): unknown {
    const activeOnly = booleanParam(params, 'active_only');
    const completedOnly = booleanParam(params, 'completed_only');
    if (activeOnly && completedOnly) throw DatabricksError.invalidParameter('active_only and completed_only cannot both be true.');
    const offset = integerParam(params, 'offset', 0);
    const limit = integerParam(params, 'limit', version === '2.0' ? 20 : 25);
    if (limit < 1 || limit > (version === '2.0' ? 1000 : 25))
      throw DatabricksError.invalidParameter(`limit must be between 1 and ${version === '2.0' ? 1000 : 25}; got ${limit}.`);
    const all = [...this.runs.values()]
      .filter((r) => (activeOnly ? !isTerminal(r.state) : completedOnly ? isTerminal(r.state) : true))
      .sort((a, b) => b.start_time - a.start_time || b.run_id - a.run_id);
    const page = all.slice(offset, offset + limit);
    return { runs: page.map((r) => this.describe(r, version)), has_more: offset + limit < all.length };
  }

  private runPageUrl(run: JobRun): string {
    return `${this.options.workspaceUrl()}/?o=${this.options.workspaceId}#job/${run.job_id}/run/${run.run_id}`;
  }

  private describe(run: JobRun, version: '2.0' | '2.1'): Record<string, unknown> {
    const body: Record<string, unknown> = {
      job_id: run.job_id,
      run_id: run.run_id,
      number_in_job: run.run_id,
      original_attempt_run_id: run.run_id,
      creator_user_name: this.options.userName,
      run_name: run.run_name,
      state: { ...run.state },
      start_time: run.start_time,
      setup_duration: run.setup_duration,
      execution_duration: run.execution_duration,
      cleanup_duration: 0,
      end_time: run.end_time,
      run_duration: run.end_time ? run.end_time - run.start_time : 0,
      run_page_url: this.runPageUrl(run),
      run_type: 'SUBMIT_RUN',
      format: run.singleTask ? 'SINGLE_TASK' : 'MULTI_TASK',
      attempt_number: 0,
      tasks: run.tasks.map((t) => this.describeTask(run, t)),
    };
    if (run.singleTask && version === '2.0') {
      // Jobs 2.0 describes a single-task run with its task and cluster at the top level.
      const task = run.tasks[0]!;
      body.task = pick(task.spec, ['spark_python_task', 'python_wheel_task', 'shell_command_task']);
      body.cluster_spec = pick(task.spec, ['new_cluster', 'existing_cluster_id', 'libraries']);
      if (task.cluster_id) body.cluster_instance = { cluster_id: task.cluster_id, spark_context_id: String(task.run_id * 7919) };
    }
    return body;
  }

  private describeTask(run: JobRun, task: TaskRun): Record<string, unknown> {
    return {
      run_id: task.run_id,
      task_key: task.spec.task_key,
      ...pick(task.spec, [
        'depends_on',
        'new_cluster',
        'existing_cluster_id',
        'environment_key',
        'libraries',
        'spark_python_task',
        'python_wheel_task',
        'shell_command_task',
        'timeout_seconds',
      ]),
      state: { ...task.state },
      start_time: task.start_time,
      setup_duration: task.setup_duration,
      execution_duration: task.execution_duration,
      cleanup_duration: 0,
      end_time: task.end_time,
      run_page_url: `${this.runPageUrl(run)}/task/${task.spec.task_key}`,
      attempt_number: 0,
      ...(task.cluster_id ? { cluster_instance: { cluster_id: task.cluster_id, spark_context_id: String(task.run_id * 7919) } } : {}),
    };
  }
}

function validateNewCluster(where: string, raw: unknown): void {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw DatabricksError.invalidParameter(`${where}: new_cluster must be an object.`);
  const c = raw as Record<string, unknown>;
  if (typeof c.spark_version !== 'string' || !c.spark_version) throw DatabricksError.invalidParameter(`${where}: new_cluster.spark_version is required.`);
  if (c.node_type_id === undefined && c.instance_pool_id === undefined && c.policy_id === undefined) {
    throw DatabricksError.invalidParameter(`${where}: new_cluster needs node_type_id (or instance_pool_id / policy_id).`);
  }
  if (c.num_workers === undefined && c.autoscale === undefined) throw DatabricksError.invalidParameter(`${where}: new_cluster needs num_workers or autoscale.`);
}

function readEnvironments(raw: unknown): Map<string, Environment> {
  const environments = new Map<string, Environment>();
  if (raw === undefined) return environments;
  if (!Array.isArray(raw)) throw DatabricksError.invalidParameter('environments must be a list of {environment_key, spec}.');
  raw.forEach((e: unknown, i) => {
    const env = (e ?? {}) as { environment_key?: unknown; spec?: { client?: unknown; environment_version?: unknown; dependencies?: unknown } };
    if (typeof env.environment_key !== 'string' || !env.environment_key)
      throw DatabricksError.invalidParameter(`environments[${i}].environment_key is required.`);
    if (environments.has(env.environment_key))
      throw DatabricksError.invalidParameter(`Environment key ${env.environment_key} is used by more than one environment.`);
    const spec = env.spec;
    if (!spec || typeof spec !== 'object') throw DatabricksError.invalidParameter(`environments[${i}].spec is required.`);
    if (spec.client === undefined && spec.environment_version === undefined)
      throw DatabricksError.invalidParameter(`environments[${i}].spec needs client or environment_version.`);
    const deps = spec.dependencies ?? [];
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string'))
      throw DatabricksError.invalidParameter(`environments[${i}].spec.dependencies must be a list of strings.`);
    environments.set(env.environment_key, { environment_key: env.environment_key, dependencies: deps as string[] });
  });
  return environments;
}

/** 15 for "15.4.x-scala2.12", 0 when unreadable (custom images, "latest" aliases). */
function runtimeMajor(sparkVersion: string): number {
  const m = /^(\d+)\.(\d+|x)/.exec(sparkVersion);
  return m ? Number(m[1]) : 0;
}

/** A DBFS-root location: `dbfs:/x` or `/dbfs/x`, except UC volumes under `dbfs:/Volumes`. */
function isDbfsRootPath(value: string): boolean {
  const m = /^(?:dbfs:|\/dbfs)(\/.*)$/.exec(value.trim());
  return !!m && !m[1]!.startsWith('/Volumes/');
}

function orderByDependencies(specs: TaskSpec[]): TaskSpec[] {
  const ordered: TaskSpec[] = [];
  const placed = new Set<string>();
  let remaining = [...specs];
  while (remaining.length > 0) {
    const ready = remaining.filter((s) => (s.depends_on ?? []).every((d) => placed.has(d.task_key)));
    if (ready.length === 0) throw DatabricksError.invalidParameter(`The task dependencies form a cycle: ${remaining.map((s) => s.task_key).join(', ')}.`);
    for (const s of ready) {
      ordered.push(s);
      placed.add(s.task_key);
    }
    remaining = remaining.filter((s) => !placed.has(s.task_key));
  }
  return ordered;
}

/** `error` is the exception line (as Databricks shows it), `error_trace` the traceback or stderr tail. */
function describeFailure(result: TaskResult): { error: string; trace?: string } {
  if (result.setupError) return { error: result.setupError };
  const stderr = result.stderrTail;
  const tracebackAt = stderr.lastIndexOf('Traceback (most recent call last):');
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
  if (tracebackAt !== -1) return { error: last ?? `Process failed (${how})`, trace: stderr.slice(tracebackAt).trimEnd() };
  return { error: last ? `${last} (${how})` : `The task's process failed with ${how}.`, trace: lines.slice(-20).join('\n') || undefined };
}

function finish(run: JobRun, lifeCycle: LifeCycleState, result: ResultState, message: string, userCancelledOrTimedOut = false): void {
  run.end_time = Date.now();
  run.state = { life_cycle_state: lifeCycle, result_state: result, state_message: message, user_cancelled_or_timedout: userCancelledOrTimedOut };
}

function isTerminal(state: RunState): boolean {
  return state.life_cycle_state === 'TERMINATED' || state.life_cycle_state === 'SKIPPED' || state.life_cycle_state === 'INTERNAL_ERROR';
}

function pick(obj: object, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (obj as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
