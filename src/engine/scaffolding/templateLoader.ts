import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveShippedDir } from '../shippedFolders';
import { isDirectory, pathExists } from '../workspace/pathExists';

/** What a question asks for: free text, one of a list, yes/no, or a JSON object (cookiecutter's dict variable). */
export type VariableKind = 'text' | 'choice' | 'boolean' | 'dict';

/** An answer as cookiecutter takes it: text (also for choices), a boolean, or an object for a dict variable. */
export type TemplateAnswer = string | boolean | Record<string, unknown>;
export type TemplateAnswers = Record<string, TemplateAnswer>;

/** One question a template asks, read from cookiecutter.json. */
export interface TemplateVariable {
  name: string;
  kind: VariableKind;
  /** The value as written in cookiecutter.json (a default may refer to earlier answers: cookiecutter renders it). */
  raw: unknown;
  /** For a choice variable: the choices as written (cookiecutter renders them too). */
  choices?: string[];
  /** The question, from cookiecutter's `__prompts__` (its `__prompt__` for a choice). */
  prompt?: string;
  /** For a choice variable: labels of choices, from `__prompts__` (value → label). */
  choiceLabels?: Record<string, string>;
  /** The answer must be a Python package name (listed in the template's `_python_identifiers`). */
  pythonIdentifier?: boolean;
}

/** One entry of a template that is a menu of templates (cookiecutter's `templates`, or the old `template` list). */
export interface NestedTemplate {
  key: string;
  title: string;
  description?: string;
  /** The nested template's folder, inside the menu template's folder. */
  dir: string;
}

export interface LoadedTemplate {
  /** The template folder's name, e.g. "mlflow-sklearn". */
  name: string;
  dir: string;
  description?: string;
  variables: TemplateVariable[];
  /** Hook scripts cookiecutter would run (relative to dir, e.g. hooks/post_gen_project.py). */
  hooks: string[];
  /** Jinja extensions the template loads (`_extensions`). */
  extensions: string[];
  /** Set when the template is a menu of templates: choose one, then load it. */
  nestedTemplates?: NestedTemplate[];
  /**
   * The copy of the template its pre_prompt hook prepared (see prepareTemplate): the questions come
   * from it and it renders without running pre_prompt again. Removed by disposePreparedTemplate.
   */
  preparedDir?: string;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const HOOK_NAMES = new Set(['pre_prompt', 'pre_gen_project', 'post_gen_project']);

/** The hook files cookiecutter runs from a template (its hooks.valid_hook rule). */
async function findHooks(dir: string): Promise<string[]> {
  const hooksDir = path.join(dir, 'hooks');
  if (!(await isDirectory(hooksDir))) return [];
  return (await fs.promises.readdir(hooksDir))
    .filter((f) => HOOK_NAMES.has(path.parse(f).name) && !f.endsWith('~'))
    .sort()
    .map((f) => `hooks/${f}`);
}

/** Template code that runs when the template renders: hooks and Jinja extensions. Empty: nothing to consent to. */
export function templateCode(template: LoadedTemplate): string[] {
  return [...template.hooks, ...template.extensions.map((e) => `Jinja extension ${e}`)];
}

/** The entry at `p` (following links), or undefined when there is none. */
async function readConfig(dir: string): Promise<Record<string, unknown>> {
  const configPath = path.join(dir, 'cookiecutter.json');
  if (!(await pathExists(configPath))) {
    throw new TemplateError(
      `${dir} is not a cookiecutter template: it has no cookiecutter.json. A template is a folder with cookiecutter.json and one folder named like {{cookiecutter.project_slug}}.`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(await fs.promises.readFile(configPath, 'utf8'));
  } catch (err) {
    throw new TemplateError(`${configPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TemplateError(`${configPath} must hold a JSON object of variables and their defaults.`);
  }
  return config as Record<string, unknown>;
}

async function nestedTemplates(dir: string, config: Record<string, unknown>, configPath: string): Promise<NestedTemplate[] | undefined> {
  const realDir = await fs.promises.realpath(dir);
  const inside = async (p: string, key: string): Promise<string> => {
    const full = path.resolve(dir, p);
    const rel = path.relative(realDir, (await pathExists(full)) ? await fs.promises.realpath(full) : full);
    if (!p || path.isAbsolute(p) || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new TemplateError(`${configPath}: the nested template '${key}' points to '${p}', outside the template's folder.`);
    }
    return full;
  };
  const menu = config.templates;
  if (menu && typeof menu === 'object' && !Array.isArray(menu)) {
    const out: NestedTemplate[] = [];
    for (const [key, v] of Object.entries(menu as Record<string, { path?: unknown; title?: unknown; description?: unknown }>)) {
      if (typeof v?.path !== 'string') throw new TemplateError(`${configPath}: templates.${key} has no "path".`);
      const title = typeof v.title === 'string' ? v.title : key;
      out.push({ key, title, ...(typeof v.description === 'string' ? { description: v.description } : {}), dir: await inside(v.path, key) });
    }
    return out;
  }
  const old = config.template;
  if (Array.isArray(old)) {
    const out: NestedTemplate[] = [];
    for (const entry of old) {
      const m = /^(.*?)\s*\((.+)\)\s*$/.exec(String(entry));
      if (!m) throw new TemplateError(`${configPath}: the template entry '${String(entry)}' is not "Title (path)".`);
      out.push({ key: String(entry), title: m[1], dir: await inside(m[2], String(entry)) });
    }
    return out;
  }
  return undefined;
}

/** Reads a cookiecutter template folder: its questions, hooks, extensions, or its menu of nested templates. */
export async function loadTemplate(dir: string): Promise<LoadedTemplate> {
  const config = await readConfig(dir);
  const configPath = path.join(dir, 'cookiecutter.json');
  const prompts = (typeof config.__prompts__ === 'object' && config.__prompts__ !== null ? config.__prompts__ : {}) as Record<string, unknown>;
  const pythonIdentifiers = stringList(config._python_identifiers, configPath, '_python_identifiers');
  const nested = await nestedTemplates(dir, config, configPath);
  const variables: TemplateVariable[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (name.startsWith('_') || (nested && (name === 'templates' || name === 'template'))) continue;
    const variable: TemplateVariable = { name, kind: 'text', raw: value };
    if (Array.isArray(value)) {
      if (value.length === 0) throw new TemplateError(`${configPath}: the choice variable '${name}' lists no choices.`);
      variable.kind = 'choice';
      variable.choices = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    } else if (typeof value === 'boolean') variable.kind = 'boolean';
    else if (typeof value === 'object' && value !== null) variable.kind = 'dict';
    const prompt = prompts[name];
    if (typeof prompt === 'string') variable.prompt = prompt;
    else if (typeof prompt === 'object' && prompt !== null) {
      const labels = prompt as Record<string, unknown>;
      if (typeof labels.__prompt__ === 'string') variable.prompt = labels.__prompt__;
      variable.choiceLabels = Object.fromEntries(Object.entries(labels).filter(([k, v]) => k !== '__prompt__' && typeof v === 'string')) as Record<
        string,
        string
      >;
    }
    if (pythonIdentifiers.includes(name)) variable.pythonIdentifier = true;
    variables.push(variable);
  }
  return {
    name: path.basename(path.resolve(dir)),
    dir: path.resolve(dir),
    ...(typeof config._description === 'string' ? { description: config._description } : {}),
    variables,
    hooks: await findHooks(dir),
    extensions: stringList(config._extensions, configPath, '_extensions'),
    ...(nested ? { nestedTemplates: nested } : {}),
  };
}

function stringList(value: unknown, configPath: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new TemplateError(`${configPath}: '${key}' must be a list of strings.`);
  return value;
}

/** The answer as the wizard shows it and `--var` takes it: text, yes/no, or JSON. */
export function formatAnswer(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Turns `--var` texts into answers: a dict variable takes a JSON object; everything else is passed
 * as text (cookiecutter turns yes/no, true/false, 1/0 into booleans and checks choices itself).
 */
export function parseAnswers(template: LoadedTemplate, texts: Readonly<Record<string, string>>): TemplateAnswers {
  const byName = new Map(template.variables.map((v) => [v.name, v]));
  const unknown = Object.keys(texts).filter((k) => !byName.has(k));
  if (unknown.length > 0) {
    throw new TemplateError(
      `The template '${template.name}' has no variable ${unknown.map((u) => `'${u}'`).join(', ')}. Its variables: ${[...byName.keys()].join(', ')}.`,
    );
  }
  const answers: TemplateAnswers = {};
  for (const [name, text] of Object.entries(texts)) {
    const variable = byName.get(name)!;
    if (variable.kind === 'dict') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new TemplateError(`'${name}' takes a JSON object; '${text}' is not JSON (${(err as Error).message}).`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new TemplateError(`'${name}' takes a JSON object such as {"key": "value"}; got '${text}'.`);
      answers[name] = value as Record<string, unknown>;
    } else if (variable.kind === 'choice' && !variable.choices!.includes(text) && !/\{[{%]/.test(variable.choices!.join(''))) {
      throw new TemplateError(`'${text}' is not a choice of '${name}'. Choose one of: ${variable.choices!.join(', ')}.`);
    } else {
      answers[name] = text;
    }
  }
  return answers;
}

// ---------------------------------------------------------------- where templates live

/** The built-in templates folder (next to dist/). */
export async function resolveTemplatesDir(): Promise<string> {
  return resolveShippedDir('templates');
}

export interface TemplateSummary {
  name: string;
  dir: string;
  description?: string;
}

/** The templates that ship with the extension, by folder name. */
export async function listBuiltInTemplates(templatesDir?: string): Promise<TemplateSummary[]> {
  const dir = templatesDir ?? (await resolveTemplatesDir());
  const summaries: TemplateSummary[] = [];
  for (const e of await fs.promises.readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !(await pathExists(path.join(dir, e.name, 'cookiecutter.json')))) continue;
    const t = await loadTemplate(path.join(dir, e.name));
    summaries.push({ name: t.name, dir: t.dir, ...(t.description ? { description: t.description } : {}) });
  }
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}
