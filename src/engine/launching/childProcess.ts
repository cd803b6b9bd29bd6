import { startProcessGroup } from '../process/processGroup';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all. */
  spawnError?: string;
  /** The system's code for that (ENOENT: no such program, EACCES: not executable). */
  spawnErrorCode?: string;
}

/** Runs a program with an argument array (never a shell), streaming and collecting its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onOutput?: (text: string, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const group = startProcessGroup(command, args, { cwd: options.cwd, env: options.env });
    const child = group.child;
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      stdout += text;
      options.onOutput?.(text, 'stdout');
    });
    child.stderr!.on('data', (text: string) => {
      stderr += text;
      options.onOutput?.(text, 'stderr');
    });
    const onAbort = () => void group.stop(2000);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      options.signal?.removeEventListener('abort', onAbort);
      const err = group.spawnError() as NodeJS.ErrnoException | undefined;
      const spawnError =
        err && (err.code === 'ENOENT' ? `${command} was not found: check the path of the interpreter.` : `Could not start ${command}: ${err.message}`);
      resolve({ code, signal, stdout, stderr, spawnError, spawnErrorCode: err?.code });
    };
    if (child.pid === undefined) void group.exited.then(() => done(null, null));
    else child.once('close', done);
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
    const end = body.findIndex(
      (l, i) => i > 0 && !/^\s/.test(l) && !l.startsWith('Traceback') && !l.startsWith('During handling') && !l.startsWith('The above exception'),
    );
    const traceback = end === -1 ? body : body.slice(0, end + 1);
    const exceptionLine = traceback[traceback.length - 1] ?? '';
    const tail = traceback.slice(-maxLines);
    return [exceptionLine, ...tail.slice(0, -1)].join('\n');
  }
  const meaningful = lines.filter((l) => l.trim() !== '' && !isMlflowBanner(l) && !/ INFO /.test(l));
  return meaningful.length ? meaningful.slice(-3).join('\n') : undefined;
}
