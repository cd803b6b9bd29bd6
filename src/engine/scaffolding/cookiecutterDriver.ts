import * as path from 'node:path';
import { pythonErrorSummary, runProcess } from '../launching/childProcess';
import { resolveShippedDir } from '../shippedFolders';
import { TemplateError, type TemplateAnswers } from './templateLoader';

/** The cookiecutter release the product renders with (python/requirements.txt pins the same). */
export const COOKIECUTTER_REQUIREMENT = 'cookiecutter==2.7.1';

/** cookiecutter is not installed in the interpreter: `installArgs` (run with that interpreter) installs it. */
export class CookiecutterMissingError extends Error {
  readonly installArgs = ['-m', 'pip', 'install', COOKIECUTTER_REQUIREMENT];
  constructor(readonly python: string) {
    super(
      `cookiecutter is not installed in the Python interpreter ${python}, which renders project templates. Install it with: ${python} -m pip install ${COOKIECUTTER_REQUIREMENT}`,
    );
    this.name = 'CookiecutterMissingError';
  }
}

export interface DriverOptions {
  /** The interpreter with cookiecutter (the one used for MLflow). */
  python: string;
  /** Hooks and Jinja extensions may run: the user consented to them. */
  allowTemplateCode: boolean;
}

type DriverRequest =
  | { op: 'version' }
  | { op: 'context'; template: string; answers: TemplateAnswers; upTo?: string; acceptHooks: boolean }
  | { op: 'prepare'; template: string }
  | { op: 'render'; template: string; answers: TemplateAnswers; outputDir: string; acceptHooks: boolean; prepared?: string };

async function driverScript(): Promise<string> {
  return path.join(await resolveShippedDir('python'), 'cookiecutter_driver.py');
}

async function callDriver<T>(python: string, request: DriverRequest): Promise<T> {
  const result = await runProcess(python, [await driverScript(), JSON.stringify(request)], {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
  });
  if (result.spawnError) throw new TemplateError(`${result.spawnError} (templates render with ${python}; set mlflow.pythonPath, or --python in the CLI)`);
  let answer: { ok: boolean; kind?: string; error?: string } & T;
  try {
    answer = JSON.parse(result.stdout) as typeof answer;
  } catch {
    throw new TemplateError(
      `The cookiecutter driver failed with ${python} (exit ${result.code ?? result.signal}): ${pythonErrorSummary(result.stderr) ?? result.stderr.trim()}`,
    );
  }
  if (!answer.ok) {
    if (answer.kind === 'missing') throw new CookiecutterMissingError(python);
    const hookOutput = pythonErrorSummary(result.stderr);
    throw new TemplateError(`${answer.error ?? 'cookiecutter failed'}${hookOutput && request.op === 'render' ? `\n${hookOutput}` : ''}`);
  }
  return answer;
}

/** The cookiecutter version of the interpreter; throws CookiecutterMissingError without it. */
export async function cookiecutterVersion(python: string): Promise<string> {
  return (await callDriver<{ version: string }>(python, { op: 'version' })).version;
}

export interface ComputedContext {
  /** Variable → value, as cookiecutter computes it. */
  values: Record<string, unknown>;
  /** With `upTo` a choice variable: its choices, rendered. */
  choices?: string[];
}

/**
 * Every variable's value as cookiecutter computes it from these answers (the others take their
 * defaults, rendered in order). With `upTo`, only the variables up to that one: its default is what
 * the wizard offers next.
 */
export async function computeContext(templateDir: string, answers: TemplateAnswers, options: DriverOptions & { upTo?: string }): Promise<ComputedContext> {
  const request: DriverRequest = {
    op: 'context',
    template: templateDir,
    answers,
    acceptHooks: options.allowTemplateCode,
    ...(options.upTo ? { upTo: options.upTo } : {}),
  };
  return (await callDriver<{ context: ComputedContext }>(options.python, request)).context;
}

/** Runs the template's pre_prompt hook on a copy of the template (only with consent); returns the copy's folder. */
export async function runPrePrompt(templateDir: string, python: string): Promise<string> {
  return (await callDriver<{ dir: string }>(python, { op: 'prepare', template: templateDir })).dir;
}

/**
 * Generates the project with cookiecutter into `outputDir` (a fresh staging folder); returns the
 * project folder. `prepared`: the copy pre_prompt made, so it does not run again.
 */
export async function renderWithCookiecutter(
  templateDir: string,
  answers: TemplateAnswers,
  outputDir: string,
  options: DriverOptions & { prepared?: string },
): Promise<{ projectDir: string; context: Record<string, unknown> }> {
  return callDriver(options.python, {
    op: 'render',
    template: templateDir,
    answers,
    outputDir,
    acceptHooks: options.allowTemplateCode,
    ...(options.prepared ? { prepared: options.prepared } : {}),
  });
}
