/** Turning a project's display name into a Python package name. */

/** Python 3.11's keywords in lower case (False/None/True are capitalised, so their lower-case forms are fine). */
const PYTHON_KEYWORDS = new Set([
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/**
 * Standard-library modules a package must not shadow: `import <slug>` would pick the wrong one, or
 * the project's own `<slug>.py` would break mlflow's imports.
 */
const SHADOWED_MODULES = new Set([
  'mlflow',
  'sklearn',
  'test',
  'tests',
  'typing',
  'json',
  'os',
  'sys',
  'random',
  'string',
  'logging',
  'collections',
  'email',
  'types',
  'io',
  'abc',
  'code',
  'site',
]);

/** True when `name` can be imported as a package: lowercase identifier, not a keyword, not shadowing a module. */
export function isValidPackageName(name: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name) && !SHADOWED_MODULES.has(name);
}

/** Why `name` is not a valid package name, or undefined when it is. */
export function packageNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/^[0-9]/.test(name)) return 'it starts with a digit';
  if (/[A-Z]/.test(name)) return 'it has upper-case letters (package names are lower case)';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return 'it has characters other than a-z, 0-9 and _';
  if (PYTHON_KEYWORDS.has(name)) return `'${name}' is a Python keyword`;
  if (SHADOWED_MODULES.has(name)) return `'${name}' would shadow the module of the same name`;
  return undefined;
}

/**
 * A valid Python package name from a project name: accents dropped, lower case, runs of anything
 * else turned into one underscore, a leading digit or a keyword prefixed/suffixed so it imports.
 * "My Model v2!" → "my_model_v2"; "3D Segmentation" → "project_3d_segmentation"; "class" → "class_project".
 */
export function deriveSlug(projectName: string): string {
  let slug = projectName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') return 'mlflow_project';
  if (/^[0-9]/.test(slug)) slug = `project_${slug}`;
  if (PYTHON_KEYWORDS.has(slug) || SHADOWED_MODULES.has(slug)) slug = `${slug}_project`;
  return slug;
}
