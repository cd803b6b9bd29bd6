import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceFilesApi } from './workspaceFilesApi';

/** A library entry of a task (`{"pypi": {...}}`, `{"whl": "dbfs:/..."}`, ...), recorded as sent. */
export type Library = Record<string, unknown>;

/** The task kinds the emulator can run, as the Jobs API (and MLflow's launcher) spell them. */
export interface TaskDefinition {
  spark_python_task?: { python_file: string; parameters?: string[]; source?: string };
  python_wheel_task?: { package_name: string; entry_point: string; parameters?: string[]; named_parameters?: Record<string, string> };
  /** Not in the public Jobs API reference, but what `mlflow run -b databricks` submits. */
  shell_command_task?: { command: string | string[]; env_vars?: Record<string, string> };
  libraries?: Library[];
  spark_env_vars?: Record<string, string>;
  /** Serverless: the `spec.dependencies` of the task's environment (pip requirement strings or paths). */
  environmentDependencies?: string[];
}

export interface TaskResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Driver log: stdout and stderr in arrival order, last `maxLogBytes` kept. */
  logs: string;
  logsTruncated: boolean;
  stderrTail: string;
  /** Set when the task could not start (library install, missing file). */
  setupError?: string;
}

export interface RunExecutorOptions {
  /** Emulator's root folder: DBFS lives in `<root>/dbfs`, cluster sandboxes in `<root>/clusters`. */
  root: string;
  dbfsRoot: string;
  /** Workspace files and volumes: `/Workspace/...` and `/Volumes/...` in task definitions are mapped to them. */
  workspaceFiles: WorkspaceFilesApi;
  /** Interpreter whose environment already has mlflow: the "cluster runtime". */
  python: string;
  mlflowTrackingUri: string;
  /** Where tasks reach the workspace (DATABRICKS_HOST/TOKEN), resolved when a task starts. */
  workspace: () => { host: string; token: string };
  maxLogBytes?: number;
}

/** One run's driver: its own `/databricks` folder, TMPDIR and PATH, as a fresh job cluster has. */
export interface ClusterSandbox {
  dir: string;
  databricksDir: string;
  binDir: string;
  tmpDir: string;
  sitePackages: string;
}

/**
 * Executes Jobs tasks as local subprocesses. Paths `dbfs:/x`, `/dbfs/x` and `/databricks/x` in the
 * task definition are mapped to the emulator's folders; everything else runs as the task says.
 */
export class RunExecutor {
  private readonly hasRsync: boolean;
  private readonly maxLogBytes: number;

  constructor(readonly options: RunExecutorOptions) {
    this.hasRsync = spawnSync('rsync', ['--version'], { stdio: 'ignore' }).status === 0;
    this.maxLogBytes = options.maxLogBytes ?? 5 * 1024 * 1024;
  }

  createSandbox(runId: number): ClusterSandbox {
    const dir = path.join(this.options.root, 'clusters', `run-${runId}`);
    const sandbox = {
      dir,
      databricksDir: path.join(dir, 'databricks'),
      binDir: path.join(dir, 'bin'),
      tmpDir: path.join(dir, 'tmp'),
      sitePackages: path.join(dir, 'site-packages'),
    };
    for (const d of [sandbox.databricksDir, path.join(sandbox.databricksDir, 'driver'), sandbox.binDir, sandbox.tmpDir]) fs.mkdirSync(d, { recursive: true });
    // `$DB_HOME/python/bin` is where a Databricks runtime keeps its python; MLflow's command adds it to PATH.
    const venv = path.dirname(path.dirname(this.options.python));
    fs.symlinkSync(venv, path.join(sandbox.databricksDir, 'python'));
    if (!this.hasRsync) {
      fs.writeFileSync(path.join(sandbox.binDir, 'rsync'), RSYNC_SHIM, { mode: 0o755 });
    }
    return sandbox;
  }

  /** Maps workspace paths in one argument to local ones (see the class comment). */
  mapPaths(text: string, sandbox: ClusterSandbox): string {
    const files = this.options.workspaceFiles;
    return text.replace(/dbfs:\/|(?<=^|[\s'"=(:])\/(dbfs|databricks|Workspace|Volumes)\//g, (match) => {
      if (match === '/databricks/') return `${sandbox.databricksDir}/`;
      if (match === '/Workspace/') return `${files.workspaceRoot}/`;
      if (match === '/Volumes/') return `${files.volumesRoot}/`;
      return `${this.options.dbfsRoot}/`;
    });
  }

  /** Runs one task to completion (or until `signal` aborts it: the process group is killed). */
  async runTask(task: TaskDefinition, sandbox: ClusterSandbox, signal: AbortSignal): Promise<TaskResult> {
    let argv: string[];
    let extraEnv: Record<string, string> = {};
    try {
      await this.installLibraries(task, sandbox);
      ({ argv, extraEnv } = this.commandFor(task, sandbox));
    } catch (err) {
      const message = (err as Error).message;
      return { exitCode: null, signal: null, logs: message, logsTruncated: false, stderrTail: message, setupError: message };
    }
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // The emulator's own settings must not leak into the "cluster".
      if (!/^(DATABRICKS_|MLFLOW_)/.test(key)) env[key] = value;
    }
    const venvBin = path.dirname(this.options.python);
    const { host, token } = this.options.workspace();
    Object.assign(env, {
      PATH: [sandbox.binDir, venvBin, process.env.PATH ?? ''].join(path.delimiter),
      TMPDIR: sandbox.tmpDir,
      DB_HOME: sandbox.databricksDir,
      DATABRICKS_HOST: host,
      DATABRICKS_TOKEN: token,
      MLFLOW_TRACKING_URI: this.options.mlflowTrackingUri,
      PYTHONUNBUFFERED: '1',
    });
    if (fs.existsSync(sandbox.sitePackages)) env.PYTHONPATH = [sandbox.sitePackages, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    for (const [key, value] of Object.entries({ ...(task.spark_env_vars ?? {}), ...extraEnv })) env[key] = this.mapPaths(String(value), sandbox);

    return new Promise<TaskResult>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: path.join(sandbox.databricksDir, 'driver'),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, so cancel kills everything it started
      });
      const log = new TailBuffer(this.maxLogBytes);
      const stderr = new TailBuffer(64 * 1024);
      child.stdout?.on('data', (chunk: Buffer) => log.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => {
        log.push(chunk);
        stderr.push(chunk);
      });
      const onAbort = () => killGroup(child);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      let spawnError: string | undefined;
      child.once('error', (err) => {
        spawnError = `Could not start ${argv[0]}: ${err.message}`;
      });
      child.once('close', (exitCode, exitSignal) => {
        signal.removeEventListener('abort', onAbort);
        resolve({
          exitCode,
          signal: exitSignal,
          logs: log.text() + (spawnError ? `\n${spawnError}` : ''),
          logsTruncated: log.truncated,
          stderrTail: spawnError ?? stderr.text(),
          setupError: spawnError,
        });
      });
    });
  }

  private commandFor(task: TaskDefinition, sandbox: ClusterSandbox): { argv: string[]; extraEnv: Record<string, string> } {
    const map = (s: string) => this.mapPaths(s, sandbox);
    if (task.shell_command_task) {
      const { command, env_vars } = task.shell_command_task;
      // MLflow sends ["bash", "-c", script]: the task definition, run as a cluster would run it.
      const argv = Array.isArray(command) ? command.map((c) => map(String(c))) : ['bash', '-c', map(command)];
      if (argv.length === 0) throw new Error('shell_command_task.command is empty.');
      return { argv, extraEnv: env_vars ?? {} };
    }
    if (task.spark_python_task) {
      const file = map(task.spark_python_task.python_file);
      if (!fs.existsSync(file)) throw new Error(`The python_file ${task.spark_python_task.python_file} does not exist.`);
      return { argv: [this.options.python, file, ...(task.spark_python_task.parameters ?? []).map((p) => map(String(p)))], extraEnv: {} };
    }
    if (task.python_wheel_task) {
      const { package_name, entry_point, parameters, named_parameters } = task.python_wheel_task;
      const args = named_parameters ? Object.entries(named_parameters).map(([k, v]) => `--${k}=${v}`) : (parameters ?? []);
      // Finds the console-script entry point the wheel declares, as the wheel task runner does.
      const launcher = [
        'import sys, importlib.metadata as m',
        'pkg, name = sys.argv[1], sys.argv[2]',
        'eps = [e for e in m.distribution(pkg).entry_points if e.name == name]',
        'sys.exit(f"No entry point {name!r} in package {pkg!r}") if not eps else None',
        'sys.argv = [name] + sys.argv[3:]',
        'sys.exit(eps[0].load()())',
      ].join('\n');
      return { argv: [this.options.python, '-c', launcher, package_name, entry_point, ...args.map((a) => map(String(a)))], extraEnv: {} };
    }
    throw new Error('The task has no spark_python_task, python_wheel_task or shell_command_task.');
  }

  /**
   * Installs what a cluster would before the task starts: `whl` libraries and wheel paths among the
   * environment's dependencies (from DBFS, workspace files or volumes; no deps, into the sandbox).
   * Nothing is downloaded: a `pypi` library or requirement must already be in the runtime, as the
   * emulated runtime has no package index; otherwise the task fails as a failed install does.
   */
  private async installLibraries(task: TaskDefinition, sandbox: ClusterSandbox): Promise<void> {
    const wheels: string[] = [];
    const requirements: string[] = [];
    for (const library of task.libraries ?? []) {
      if (typeof library.whl === 'string') wheels.push(library.whl);
      const pypi = library.pypi as { package?: unknown } | undefined;
      if (pypi && typeof pypi.package === 'string') requirements.push(pypi.package);
    }
    for (const dependency of task.environmentDependencies ?? []) {
      if (/^(\/|dbfs:\/).*\.whl$/i.test(dependency.trim())) wheels.push(dependency.trim());
      else if (!dependency.trim().startsWith('-')) requirements.push(dependency);
    }
    for (const requirement of requirements) {
      const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1];
      if (!name || /^(git\+|https?:)/.test(requirement.trim())) continue;
      // Asynchronous: the emulator keeps answering while the runtime is asked.
      const found = await run(this.options.python, ['-c', 'import importlib.metadata as m, sys; m.distribution(sys.argv[1])', name]);
      if (found.code !== 0)
        throw new Error(
          `Library installation failed for library due to user error. Error message: Could not find a version that satisfies the requirement ${requirement} (the emulated runtime installs nothing from PyPI).`,
        );
    }
    for (const wheel of wheels) {
      const local = this.mapPaths(wheel, sandbox);
      if (!fs.existsSync(local)) throw new Error(`Library installation failed for library due to user error. Error message: ${wheel} does not exist.`);
      const result = await run(this.options.python, ['-m', 'pip', 'install', '--no-deps', '--no-index', '--quiet', '--target', sandbox.sitePackages, local]);
      if (result.code !== 0)
        throw new Error(
          `Library installation failed for library due to user error. Error message: pip could not install ${wheel}: ${result.output.trim().split('\n').pop()}`,
        );
    }
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', (err) => resolve({ code: -1, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 3000);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const over = this.size - this.limit;
      const first = this.chunks[0]!;
      this.truncated = true;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
      }
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Stand-in for the runtime image's rsync, used only when the host has none: the options MLflow passes. */
const RSYNC_SHIM = `#!/usr/bin/env bash
# Databricks emulator: minimal rsync for "rsync -a -v --ignore-existing SRC... DEST".
ignore_existing=0
files=()
for arg in "$@"; do
  case "$arg" in
    --ignore-existing) ignore_existing=1 ;;
    -a|-v|-av|-va) ;;
    -*) echo "rsync (Databricks emulator stand-in): unsupported option $arg" >&2; exit 1 ;;
    *) files+=("$arg") ;;
  esac
done
if [ "\${#files[@]}" -lt 2 ]; then echo "rsync (Databricks emulator stand-in): need SRC and DEST" >&2; exit 1; fi
dest="\${files[-1]}"
unset 'files[-1]'
for src in "\${files[@]}"; do
  target="$dest"
  if [ -d "$dest" ]; then target="$dest/$(basename "$src")"; fi
  if [ "$ignore_existing" = 1 ] && [ -e "$target" ]; then continue; fi
  cp -a "$src" "$target" || exit 23
  echo "$(basename "$src")"
done
`;
