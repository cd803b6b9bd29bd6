import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Ends a detached child's whole process group: SIGTERM, then SIGKILL after `graceMs` if anything
 * of the group is still alive. Resolves when the child itself has exited.
 */
export function killProcessGroup(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      signalGroup(child.pid, 'SIGKILL'); // leftovers of an exited leader
      resolve();
      return;
    }
    const pid = child.pid;
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    child.once('close', () => {
      clearTimeout(timer);
      // Grandchildren that ignored SIGTERM must not outlive the launch.
      signalGroup(pid, 'SIGKILL');
      resolve();
    });
    signalGroup(pid, 'SIGTERM');
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

/**
 * True while any live process of the group `pgid` exists. Zombies do not count: where PID 1 does not
 * reap orphans (some containers), a killed grandchild stays <defunct> in the group forever.
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

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all. */
  spawnError?: string;
}

/** Runs a program with an argument array (never a shell), streaming and collecting its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onOutput?: (text: string, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let spawnError: string | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      options.onOutput?.(text, 'stdout');
    });
    child.stderr.on('data', (text: string) => {
      stderr += text;
      options.onOutput?.(text, 'stderr');
    });
    const onAbort = () => void killProcessGroup(child, 2000);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code === 'ENOENT' ? `${command} was not found: check the path of the interpreter.` : `Could not start ${command}: ${err.message}`;
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, stdout, stderr, spawnError });
    });
  });
}

/**
 * The error of a failed Python process in its stderr: the exception line of the last traceback
 * plus the traceback's last lines, else the last lines written. MLflow's own `=== ... ===` log lines
 * and timestamps of logging lines are left out.
 */
export function pythonErrorSummary(stderr: string, maxLines = 8): string | undefined {
  const lines = stderr.split(/\r?\n/).map((l) => l.trimEnd());
  const tracebackAt = lines.map((l) => l.startsWith('Traceback (most recent call last):')).lastIndexOf(true);
  const isMlflowBanner = (l: string) => / (INFO|ERROR|WARNING) mlflow[\w.]*: === /.test(l);
  if (tracebackAt !== -1) {
    const body = lines.slice(tracebackAt).filter((l) => l.trim() !== '' && !isMlflowBanner(l));
    const end = body.findIndex((l, i) => i > 0 && !/^\s/.test(l) && !l.startsWith('Traceback') && !l.startsWith('During handling') && !l.startsWith('The above exception'));
    const traceback = end === -1 ? body : body.slice(0, end + 1);
    const exceptionLine = traceback[traceback.length - 1] ?? '';
    const tail = traceback.slice(-maxLines);
    return [exceptionLine, ...tail.slice(0, -1)].join('\n');
  }
  const meaningful = lines.filter((l) => l.trim() !== '' && !isMlflowBanner(l) && !/ INFO /.test(l));
  return meaningful.length ? meaningful.slice(-3).join('\n') : undefined;
}
