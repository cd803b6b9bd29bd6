import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageNameProblem, deriveSlug } from './pythonSlug';
import { renderString, TemplateSyntaxError } from './templateRenderer';

/** One question a template asks. */
export interface TemplateVariable {
  name: string;
  /** The default as written in cookiecutter.json; it may reference earlier variables (see resolveAnswers). */
  default: string;
  /** Present for a choice variable; the first is the default. */
  choices?: string[];
  /** A friendlier question, from cookiecutter's `__prompts__`. */
  prompt?: string;
  /** The answer must be a Python package name (listed in the template's `_python_identifiers`). */
  pythonIdentifier?: boolean;
}

export interface LoadedTemplate {
  /** The template folder's name, e.g. "mlflow-sklearn". */
  name: string;
  dir: string;
  description?: string;
  variables: TemplateVariable[];
  /** The name of the template's one top folder, e.g. "{{cookiecutter.project_slug}}". */
  projectDirTemplate: string;
  /** `_copy_without_render` globs (fnmatch, relative to the top folder, names unrendered). */
  copyWithoutRender: string[];
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Private cookiecutter keys that change rendering in ways this renderer does not do. */
const UNSUPPORTED_PRIVATE_KEYS: Record<string, string> = {
  _extensions: 'Jinja extensions',
  _jinja2_env_vars: 'custom Jinja environment settings',
};

/** Reads a cookiecutter template folder: its questions, its top folder and its options. */
export function loadTemplate(dir: string): LoadedTemplate {
  const configPath = path.join(dir, 'cookiecutter.json');
  if (!fs.existsSync(configPath)) {
    throw new TemplateError(`${dir} is not a cookiecutter template: it has no cookiecutter.json. A template is a folder with cookiecutter.json and one folder named like {{cookiecutter.project_slug}}.`);
  }
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new TemplateError(`${configPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TemplateError(`${configPath} must hold a JSON object of variables and their defaults.`);
  }
  const entries = Object.entries(config as Record<string, unknown>);
  for (const [key, what] of Object.entries(UNSUPPORTED_PRIVATE_KEYS)) {
    const value = (config as Record<string, unknown>)[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0) && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)) {
      throw new TemplateError(`${configPath}: '${key}' (${what}) is not supported by MLflow Workbench's template renderer. Remove it, or use cookiecutter itself for this template.`);
    }
  }
  const hooksDir = path.join(dir, 'hooks');
  if (fs.existsSync(hooksDir) && fs.readdirSync(hooksDir).some((f) => /^(pre_prompt|pre_gen_project|post_gen_project)\./.test(f))) {
    throw new TemplateError(`${hooksDir}: cookiecutter hooks are not run by MLflow Workbench, so the project would differ from what the template's author meant. Use cookiecutter itself for this template, or remove the hooks.`);
  }
  const prompts = (config as Record<string, unknown>).__prompts__;
  const promptOf = (name: string): string | undefined => {
    if (typeof prompts !== 'object' || prompts === null) return undefined;
    const p = (prompts as Record<string, unknown>)[name];
    return typeof p === 'string' ? p : undefined;
  };
  const pythonIdentifiers = stringList((config as Record<string, unknown>)._python_identifiers, configPath, '_python_identifiers');
  const variables: TemplateVariable[] = [];
  for (const [name, value] of entries) {
    if (name.startsWith('_')) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TemplateError(`${configPath}: '${name}' is not a valid variable name (letters, digits and _).`);
    const variable: TemplateVariable = { name, default: '' };
    if (typeof value === 'string') variable.default = value;
    else if (typeof value === 'number') variable.default = String(value);
    else if (Array.isArray(value)) {
      if (value.length === 0 || !value.every((v) => typeof v === 'string' || typeof v === 'number')) {
        throw new TemplateError(`${configPath}: the choice variable '${name}' must list at least one string.`);
      }
      variable.choices = value.map(String);
      variable.default = variable.choices[0];
    } else if (typeof value === 'boolean') {
      throw new TemplateError(`${configPath}: '${name}' is a boolean variable, which this renderer does not support. Write it as a choice: ["yes", "no"].`);
    } else {
      throw new TemplateError(`${configPath}: '${name}' is a ${value === null ? 'null' : 'dictionary'} variable, which this renderer does not support (strings and lists of choices only).`);
    }
    const prompt = promptOf(name);
    if (prompt) variable.prompt = prompt;
    if (pythonIdentifiers.includes(name)) variable.pythonIdentifier = true;
    variables.push(variable);
  }
  const tops = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name.includes('{{') && e.name.includes('cookiecutter'));
  if (tops.length !== 1) {
    throw new TemplateError(
      tops.length === 0
        ? `${dir} has no project folder: a cookiecutter template has exactly one folder named with a variable, such as "{{cookiecutter.project_slug}}".`
        : `${dir} has ${tops.length} project folders (${tops.map((t) => t.name).join(', ')}); a cookiecutter template has exactly one.`,
    );
  }
  const description = (config as Record<string, unknown>)._description;
  return {
    name: path.basename(path.resolve(dir)),
    dir: path.resolve(dir),
    ...(typeof description === 'string' ? { description } : {}),
    variables,
    projectDirTemplate: tops[0].name,
    copyWithoutRender: stringList((config as Record<string, unknown>)._copy_without_render, configPath, '_copy_without_render'),
  };
}

function stringList(value: unknown, configPath: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new TemplateError(`${configPath}: '${key}' must be a list of strings.`);
  return value;
}

/**
 * Every variable's value: the given answers, else the defaults rendered in order (a default may use
 * earlier variables). Checks choices and Python package names, and rejects answers to unknown variables.
 */
export function resolveAnswers(template: LoadedTemplate, answers: Readonly<Record<string, string>>): Record<string, string> {
  const known = new Set(template.variables.map((v) => v.name));
  const unknown = Object.keys(answers).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new TemplateError(`The template '${template.name}' has no variable ${unknown.map((u) => `'${u}'`).join(', ')}. Its variables: ${[...known].join(', ')}.`);
  }
  const ctx: Record<string, string> = {};
  const configFile = path.join(template.dir, 'cookiecutter.json');
  for (const v of template.variables) {
    const given = answers[v.name];
    let value: string;
    if (v.choices) {
      const choices = v.choices.map((c) => renderString(c, ctx, `${configFile} (${v.name})`));
      value = given ?? choices[0];
      if (!choices.includes(value)) {
        throw new TemplateError(`'${value}' is not a choice of '${v.name}'. Choose one of: ${choices.join(', ')}.`);
      }
    } else if (given !== undefined) {
      value = given;
    } else {
      value = renderString(v.default, ctx, `${configFile} (default of ${v.name})`);
      if (v.pythonIdentifier) value = deriveSlug(value);
    }
    if (v.pythonIdentifier) {
      const problem = packageNameProblem(value);
      if (problem) throw new TemplateError(`'${value}' cannot be ${v.name}: ${problem}. It becomes a Python package name; try '${deriveSlug(value)}'.`);
    }
    ctx[v.name] = value;
  }
  return ctx;
}

// ---------------------------------------------------------------- where templates live

/**
 * The built-in templates folder. The code runs bundled from dist/ (extension.js, cli.js: templates/
 * is next to dist/) or compiled from out/src/engine/scaffolding (tests: the repository root).
 */
export function resolveTemplatesDir(): string {
  const candidates = [
    path.join(__dirname, '..', 'templates'),
    path.join(__dirname, '..', '..', '..', '..', 'templates'),
    path.join(__dirname, '..', '..', '..', 'templates'),
  ];
  const found = candidates.find((c) => fs.existsSync(path.join(c)) && fs.statSync(c).isDirectory());
  if (!found) throw new TemplateError(`The built-in templates folder is missing (looked in ${candidates.join(', ')}). Reinstall the extension.`);
  return found;
}

export interface TemplateSummary {
  name: string;
  dir: string;
  description?: string;
}

/** The templates that ship with the extension, by folder name. */
export function listBuiltInTemplates(templatesDir = resolveTemplatesDir()): TemplateSummary[] {
  return fs
    .readdirSync(templatesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(templatesDir, e.name, 'cookiecutter.json')))
    .map((e) => {
      const t = loadTemplate(path.join(templatesDir, e.name));
      return { name: t.name, dir: t.dir, ...(t.description ? { description: t.description } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export { TemplateSyntaxError };
