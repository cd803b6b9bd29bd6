import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess } from './childProcess';

/** Where the interpreter of a launch came from, in the order they are tried. */
export type InterpreterSource = 'setting' | 'option' | 'environment' | 'pythonExtension' | 'venv' | 'path';

export interface ResolvedInterpreter {
  python: string;
  source: InterpreterSource;
  /** Why this one was chosen, for messages: "mlflow.pythonPath", "the .venv of /x", "python3 on PATH (…)". */
  reason: string;
}

export interface InterpreterChoices {
  /** An explicit choice and what it is called in messages (`mlflow.pythonPath`, `--python`). */
  configured?: { python: string; source: 'setting' | 'option' | 'environment'; name: string };
  /** The explicit choices that were looked at and are empty, for the message (`mlflow.pythonPath`). */
  unset?: string[];
  /** The Python extension's selected interpreter; undefined when it is not installed or has none. */
  fromPythonExtension?: string;
  /** Whether the Python extension was asked (VS Code), so the message can say it had no selection. */
  askedPythonExtension?: boolean;
  /** The project or workspace folder whose `.venv`/`venv` is used when nothing is configured. */
  folder?: string;
  platform?: NodeJS.Platform;
  exists?: (file: string) => boolean;
}

/** The virtual environment folders looked for in a project, in order. */
export const VENV_CANDIDATES = ['.venv/bin/python', 'venv/bin/python', '.venv/Scripts/python.exe'];

/**
 * Picks a launch's interpreter: an explicit choice (mlflow.pythonPath, --python,
 * MLFLOW_WB_PYTHON), then the Python extension's selection, then the folder's `.venv`/`venv`, then
 * python3 on PATH; and says why, so a message can name what to change.
 */
export function resolveInterpreter(choices: InterpreterChoices): ResolvedInterpreter {
  const exists = choices.exists ?? fs.existsSync;
  const configured = choices.configured?.python.trim();
  if (choices.configured && configured) return { python: configured, source: choices.configured.source, reason: `set by ${choices.configured.name}` };
  if (choices.fromPythonExtension)
    return { python: choices.fromPythonExtension, source: 'pythonExtension', reason: "the Python extension's selected interpreter" };
  if (choices.folder) {
    for (const candidate of VENV_CANDIDATES) {
      const full = path.join(choices.folder, candidate);
      if (exists(full)) return { python: full, source: 'venv', reason: `the ${candidate.split('/')[0]} of ${choices.folder}` };
    }
  }
  const onPath = (choices.platform ?? process.platform) === 'win32' ? 'python' : 'python3';
  const why = [
    ...(choices.unset ?? []).map((name) => `${name} is not set`),
    ...(choices.askedPythonExtension ? ['no interpreter is selected in the Python extension'] : []),
    ...(choices.folder ? [`${choices.folder} has no .venv`] : []),
  ];
  return { python: onPath, source: 'path', reason: `${onPath} on PATH${why.length ? `: ${why.join(', ')}` : ''}` };
}

export type MlflowImportCheck = { ok: true; version: string } | { ok: false; problem: string };

const IMPORT_MLFLOW = 'import mlflow, sys; sys.stdout.write(mlflow.__version__)';
const importChecks = new Map<string, Promise<MlflowImportCheck>>();

/**
 * Whether `python` can `import mlflow` (and its version), run asynchronously and remembered per
 * interpreter path; a failed check is forgotten so the next launch looks again after a fix.
 */
export function checkMlflowImport(python: string, options: { timeoutMs?: number } = {}): Promise<MlflowImportCheck> {
  const cached = importChecks.get(python);
  if (cached) return cached;
  const check = (async (): Promise<MlflowImportCheck> => {
    const result = await runProcess(python, ['-c', IMPORT_MLFLOW], { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
    if (result.spawnError) return { ok: false, problem: `${python} was not found` };
    if (result.code === 0 && /^\d+\.\d+/.test(result.stdout.trim())) return { ok: true, version: result.stdout.trim() };
    if (result.signal) return { ok: false, problem: `${python} did not answer within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s` };
    const lastLine = result.stderr.trim().split(/\r?\n/).pop() ?? '';
    return { ok: false, problem: lastLine || `${python} -c "import mlflow" exited with code ${result.code}` };
  })();
  importChecks.set(python, check);
  void check.then((r) => {
    if (!r.ok) importChecks.delete(python);
  });
  return check;
}

/** One sentence: which interpreter was tried, why, and what went wrong. */
export function interpreterProblemMessage(resolved: ResolvedInterpreter, problem: string): string {
  return `The Python interpreter ${resolved.python} (${resolved.reason}) cannot import mlflow: ${problem}.`;
}

/**
 * The `mlflow==X` pin the workbench is tested with: the line of python/requirements.txt, found from
 * the bundle (dist/), the compiled tree (out/src/...) or the packaged extension; `mlflow` when absent.
 */
export async function mlflowRequirement(requirementsFile?: string): Promise<string> {
  const candidates = requirementsFile
    ? [requirementsFile]
    : [1, 2, 3, 4].map((up) => path.join(__dirname, ...Array<string>(up).fill('..'), 'python', 'requirements.txt'));
  for (const file of candidates) {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch {
      continue;
    }
    const line = text
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*/, '').trim())
      .find((l) => /^mlflow(\[[^\]]*\])?\s*(==|>=|~=|$)/.test(l));
    if (line) return line;
  }
  return 'mlflow';
}

/**
 * Creates `<folder>/.venv` with `basePython -m venv` and installs `requirement` into it; returns the
 * new interpreter. Output goes to `onOutput` as it comes.
 */
export async function createVenvWithMlflow(
  folder: string,
  requirement: string,
  options: { basePython?: string; onOutput?: (text: string, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal } = {},
): Promise<string> {
  const venv = path.join(folder, '.venv');
  const base = options.basePython ?? (process.platform === 'win32' ? 'python' : 'python3');
  const python = path.join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const steps: [string, string[]][] = [
    [base, ['-m', 'venv', venv]],
    [python, ['-m', 'pip', 'install', '--disable-pip-version-check', requirement]],
  ];
  for (const [command, args] of steps) {
    options.onOutput?.(`$ ${command} ${args.join(' ')}\n`, 'stdout');
    const result = await runProcess(command, args, { cwd: folder, onOutput: options.onOutput, signal: options.signal });
    if (result.spawnError) throw new Error(result.spawnError);
    if (result.code !== 0)
      throw new Error(
        `${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.code}`}): ${result.stderr.trim().split(/\r?\n/).slice(-2).join(' ')}`,
      );
  }
  importChecks.delete(python);
  return python;
}
