import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';

// The one way to run a server or a run in a process of its own: every process starts as the leader
// of a new process group (MLflow's servers fork uvicorn workers, a job runner and huey consumers;
// `mlflow run` starts the entry point), and stopping means the whole group: SIGTERM, then SIGKILL
// after a grace period, until no live process of the group is left (zombies do not count).
//
// Groups never outlive their owner (this Node process): a registry of live groups is stopped when
// the owner exits (including an uncaught exception) or gets SIGINT/SIGTERM that nobody else handles,
// and on POSIX a tiny detached watchdog (`sh`) ends the group when the owner is gone even after a
// SIGKILL of the owner.

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessGroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default true: a watchdog ends the group if the owner dies without cleaning up (SIGKILL). */
  watchdog?: boolean;
}

export interface ProcessGroup {
  /** The group leader, with stdout and stderr as pipes. */
  readonly child: ChildProcess;
  /** The leader's pid, which is also the group id (undefined when it could not start). */
  readonly pid: number | undefined;
  /** Resolves when the leader exits (on its own or by stop()). */
  readonly exited: Promise<ExitInfo>;
  /** The leader's exit, once it happened. */
  exitInfo(): ExitInfo | undefined;
  /** Why the program could not be started, if so. */
  spawnError(): Error | undefined;
  /** True while a live process of the group is left. */
  alive(): boolean;
  /** SIGTERM the group, SIGKILL after `graceMs`; resolves when no live process of the group is left. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ProcessGroup>();
let ownerHooksInstalled = false;
const isPosix = process.platform !== 'win32';

/** Starts `command args` as the leader of a new process group owned by this process (never a shell). */
export function startProcessGroup(command: string, args: string[], options: ProcessGroupOptions = {}): ProcessGroup {
  installOwnerHooks();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: isPosix });
  let exit: ExitInfo | undefined;
  let startError: Error | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (err) => {
      startError = err;
      // A program that could not start emits no 'exit'.
      if (child.pid === undefined) {
        exit = { code: null, signal: null };
        resolve(exit);
      }
    });
  });
  const watchdog = child.pid !== undefined && isPosix && options.watchdog !== false ? startWatchdog(child.pid) : undefined;
  let stopping: Promise<void> | undefined;
  const group: ProcessGroup = {
    child,
    pid: child.pid,
    exited,
    exitInfo: () => exit,
    spawnError: () => startError,
    alive: () => (child.pid === undefined ? false : isPosix ? processGroupAlive(child.pid) : exit === undefined),
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (child.pid !== undefined) {
          signalGroup(child, 'SIGTERM');
          const deadline = Date.now() + graceMs;
          while (group.alive() && Date.now() < deadline) await sleep(50);
          if (group.alive()) signalGroup(child, 'SIGKILL');
          // The leader is our child: wait for its exit (so it is reaped), then for the rest of the group.
          await exited;
          for (let i = 0; i < 100 && group.alive(); i++) await sleep(50);
        }
        forget();
      })();
      return stopping;
    },
  };
  const forget = () => {
    live.delete(group);
    watchdog?.kill('SIGKILL');
  };
  live.add(group);
  // A group that ends on its own is forgotten once nothing of it is left.
  void exited.then(async () => {
    for (let i = 0; i < 100 && group.alive(); i++) await sleep(100);
    if (!group.alive()) forget();
  });
  return group;
}

/**
 * Waits until `probe` answers true, the leader exits, it could not start, or `timeoutMs` passes
 * (then the group is stopped). The caller turns the outcome into its own message.
 */
export async function waitUntilReady(
  group: ProcessGroup,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<'ready' | 'exited' | 'spawn-error' | 'timeout'> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (group.spawnError()) return 'spawn-error';
    if (group.exitInfo()) return 'exited';
    if (await probe()) return 'ready';
    if (Date.now() > deadline) {
      await group.stop(2000);
      return 'timeout';
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** True when GET `url` answers 200 within `timeoutMs` (a health check). */
export function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The groups this process owns that are still alive (for tests and diagnostics). */
export function liveProcessGroups(): number[] {
  return [...live].filter((g) => g.alive()).map((g) => g.pid!);
}

/** Stops every group this process owns. */
async function stopAllProcessGroups(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((g) => g.stop(graceMs)));
}

/**
 * True while any live process of the group `pgid` exists. Zombies do not count: where PID 1 does not
 * reap orphans (some containers), a killed grandchild stays <defunct> in the group forever.
 * Synchronous on purpose: `alive()` of a process group is a synchronous question, also asked from
 * exit handlers where nothing asynchronous runs; /proc is in memory (no disk is read).
 */
export function processGroupAlive(pgid: number): boolean {
  let entries: string[] | undefined;
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    entries = undefined; // no procfs (macOS): ask the kernel, zombies included
  }
  if (entries) {
    for (const pid of entries) {
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (isPosix) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    /* the group is gone */
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ends group `pgid` once this process is gone (checked every second), then exits. */
const WATCHDOG_SCRIPT = `owner=$1; pg=$2
while kill -0 "$owner" 2>/dev/null && kill -0 -"$pg" 2>/dev/null; do sleep 1; done
kill -0 -"$pg" 2>/dev/null || exit 0
kill -TERM -"$pg" 2>/dev/null; sleep 3; kill -KILL -"$pg" 2>/dev/null; exit 0`;

function startWatchdog(pgid: number): ChildProcess | undefined {
  try {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'mlflow-wb-watchdog', String(process.pid), String(pgid)], { stdio: 'ignore', detached: true });
    watchdog.on('error', () => undefined);
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

/** Stops the owned groups when the owner exits, crashes, or is asked to stop by a signal nobody else handles. */
function installOwnerHooks(): void {
  if (ownerHooksInstalled) return;
  ownerHooksInstalled = true;
  // 'exit' also runs after an uncaught exception; only synchronous work is possible here, and the
  // watchdogs follow up with SIGKILL.
  process.on('exit', () => {
    for (const group of live) signalGroup(group.child, 'SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // Someone else (e.g. `mlflow-wb models serve`) handles it and stops what it started.
      if (process.listenerCount(signal) > 1) return;
      void stopAllProcessGroups().finally(() => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal); // die of the signal, as without this handler
      });
    };
    // First in line: a handler added with process.once() by a command (e.g. `mlflow-wb run`, which
    // cancels its launch) is removed before it is called, so counting after it would miss it.
    process.prependListener(signal, onSignal);
  }
}
