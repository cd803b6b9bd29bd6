import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computeContext, renderWithCookiecutter, runPrePrompt, type ComputedContext } from './cookiecutterDriver';
import { deriveSlug, packageNameProblem } from './pythonSlug';
import { loadTemplate, TemplateError, templateCode, type LoadedTemplate, type TemplateAnswers } from './templateLoader';

/** One file of the project to create, relative to the project folder (always with '/'). */
export interface RenderedFile {
  relativePath: string;
  content: Buffer;
  /** Permission bits cookiecutter gave the file (it copies the template's). */
  mode?: number;
}

export interface RenderedProject {
  /** The rendered name of the template's top folder, e.g. "my_project": where the wizard puts the project. */
  projectDirName: string;
  /** Every variable's final value, as cookiecutter computed it. */
  context: Record<string, unknown>;
  files: RenderedFile[];
  /** Folders cookiecutter made that hold no file (relative, with '/'): created too, so the tree is the same. */
  emptyDirs: string[];
}

export interface RenderOptions {
  /** The interpreter with cookiecutter (the one used for MLflow). */
  python: string;
  /**
   * The user consented to the template's hooks and Jinja extensions (listed by templateCode()).
   * Without it, a template that has any is refused before anything runs.
   */
  allowTemplateCode?: boolean;
}

/** Refused before rendering: the template has hooks or extensions and the user has not consented. */
export class TemplateCodeConsentError extends TemplateError {
  constructor(
    readonly template: LoadedTemplate,
    readonly code: string[],
  ) {
    super(
      `The template '${template.name}' runs its own code when it renders: ${code.join(', ')} (in ${template.dir}). Nothing was run or written. Read that code; if you trust it, allow it (CLI: --allow-hooks; wizard: answer the consent question).`,
    );
    this.name = 'TemplateCodeConsentError';
  }
}

/** Symlinks anywhere in the template (cookiecutter would copy what they point to, e.g. ~/.ssh). */
async function symlinksIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isSymbolicLink()) found.push(path.relative(dir, full));
      else if (e.isDirectory() && !(d === dir && e.name === '.git')) await walk(full);
    }
  };
  await walk(dir);
  return found;
}

async function checkTemplate(template: LoadedTemplate, options: RenderOptions): Promise<void> {
  const code = templateCode(template);
  if (code.length > 0 && !options.allowTemplateCode) throw new TemplateCodeConsentError(template, code);
  for (const dir of [template.dir, ...(template.preparedDir ? [template.preparedDir] : [])]) {
    const links = await symlinksIn(dir);
    if (links.length > 0) {
      throw new TemplateError(
        `The template ${dir} has symbolic links (${links.join(', ')}); a link can pull files from outside the template (such as ~/.ssh) into the project, so templates with links are refused. Replace them with real files.`,
      );
    }
  }
}

/**
 * Runs the template's pre_prompt hook (after consent), as cookiecutter does before it reads
 * cookiecutter.json: the questions are then those of the prepared copy. Without a pre_prompt hook,
 * the template as is. Call disposePreparedTemplate when done.
 */
export async function prepareTemplate(template: LoadedTemplate, options: RenderOptions): Promise<LoadedTemplate> {
  if (!template.hooks.some((h) => path.posix.basename(h).startsWith('pre_prompt.'))) return template;
  await checkTemplate(template, options);
  const copy = await runPrePrompt(template.dir, options.python);
  const prepared = await loadTemplate(copy);
  return { ...prepared, name: template.name, dir: template.dir, hooks: template.hooks, preparedDir: copy };
}

/** Removes the copy prepareTemplate made (cookiecutter makes it in a temporary folder of its own). */
export async function disposePreparedTemplate(template: LoadedTemplate): Promise<void> {
  if (!template.preparedDir) return;
  const parent = path.dirname(template.preparedDir);
  const own = path.basename(parent).startsWith('cookiecutter') && path.dirname(parent) === path.resolve(os.tmpdir());
  await fs.promises.rm(own ? parent : template.preparedDir, { recursive: true, force: true });
}

function checkAnswers(template: LoadedTemplate, context: Record<string, unknown>): void {
  for (const v of template.variables) {
    if (!v.pythonIdentifier || typeof context[v.name] !== 'string') continue;
    const value = context[v.name] as string;
    const problem = packageNameProblem(value);
    if (problem) throw new TemplateError(`'${value}' cannot be ${v.name}: ${problem}. It becomes a Python package name; try '${deriveSlug(value)}'.`);
  }
}

/**
 * Reads what cookiecutter generated in the staging folder, refusing what must never reach the
 * target: symlinks, anything named .git (a repository, its hooks or config), anything that is not a
 * plain file or folder.
 */
async function collectStaged(projectDir: string): Promise<{ files: RenderedFile[]; emptyDirs: string[] }> {
  const files: RenderedFile[] = [];
  const emptyDirs: string[] = [];
  const walk = async (dir: string, rel: string) => {
    const entries = (await fs.promises.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.length === 0 && rel) emptyDirs.push(rel);
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, e.name);
      if (e.name.toLowerCase() === '.git') {
        throw new TemplateError(
          `The template generates '${relPath}': a git folder or file would give the new project the template's git hooks and config, which git runs at commit time. Refused; nothing was written.`,
        );
      }
      if (e.isSymbolicLink())
        throw new TemplateError(
          `The template generates the symbolic link '${relPath}' (to ${await fs.promises.readlink(full)}); links are refused, nothing was written.`,
        );
      if (e.isDirectory()) await walk(full, relPath);
      else if (e.isFile())
        files.push({ relativePath: relPath, content: await fs.promises.readFile(full), mode: (await fs.promises.lstat(full)).mode & 0o7777 });
      else throw new TemplateError(`The template generates '${relPath}', which is neither a file nor a folder; refused, nothing was written.`);
    }
  };
  await walk(projectDir, '');
  return { files, emptyDirs };
}

/**
 * The values cookiecutter gives every variable with these answers (defaults rendered by cookiecutter).
 * With `upTo`, only the variables up to that one. Checks consent first: extensions run here already.
 */
export async function templateContext(
  template: LoadedTemplate,
  answers: TemplateAnswers,
  options: RenderOptions & { upTo?: string },
): Promise<ComputedContext> {
  await checkTemplate(template, options);
  return computeContext(template.preparedDir ?? template.dir, answers, {
    python: options.python,
    allowTemplateCode: !!options.allowTemplateCode,
    ...(options.upTo ? { upTo: options.upTo } : {}),
  });
}

/**
 * Renders a template with real cookiecutter into a fresh staging folder and reads the result into
 * memory after checking it; the staging folder is removed. Writes nothing else (hooks, when allowed,
 * run in the staging folder).
 */
export async function renderProject(template: string | LoadedTemplate, answers: TemplateAnswers, options: RenderOptions): Promise<RenderedProject> {
  const t = typeof template === 'string' ? await loadTemplate(template) : template;
  if (t.nestedTemplates) throw new TemplateError(`'${t.name}' is a menu of templates (${t.nestedTemplates.map((n) => n.key).join(', ')}): choose one of them.`);
  await checkTemplate(t, options);
  const staging = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mlflow-wb-render-'));
  try {
    const rendered = await renderWithCookiecutter(t.dir, answers, staging, {
      python: options.python,
      allowTemplateCode: !!options.allowTemplateCode,
      ...(t.preparedDir ? { prepared: t.preparedDir } : {}),
    });
    const outside = path.relative(await fs.promises.realpath(staging), await fs.promises.realpath(rendered.projectDir));
    if (!outside || outside.startsWith('..') || path.isAbsolute(outside) || outside.includes(path.sep)) {
      throw new TemplateError(`The template's project folder renders to '${rendered.projectDir}', not one folder inside the output folder. Refused.`);
    }
    checkAnswers(t, rendered.context);
    const staged = await fs.promises.readdir(staging);
    if (staged.length !== 1)
      throw new TemplateError(`The template wrote ${staged.join(', ')} next to its project folder (hooks must write inside it). Refused; nothing was written.`);
    return { projectDirName: outside, context: rendered.context, ...(await collectStaged(rendered.projectDir)) };
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

/** The nested template a menu template offers under `key` (cookiecutter's `templates`), loaded. */
export async function chooseNestedTemplate(template: LoadedTemplate, key: string | undefined): Promise<LoadedTemplate> {
  const options = template.nestedTemplates ?? [];
  const chosen = key === undefined ? options[0] : options.find((o) => o.key === key);
  if (!chosen) throw new TemplateError(`'${template.name}' offers the templates ${options.map((o) => o.key).join(', ')}; there is no '${key}'.`);
  return loadTemplate(chosen.dir);
}
