/**
 * Folders never searched for project files (MLproject, env files, cluster specs): dependencies,
 * virtual environments, VCS data, MLflow's own local stores and caches. One list for the engine's
 * folder walk (validatePaths) and the extension's workspace searches (findFiles exclude globs).
 */
export const IGNORED_FOLDERS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  'mlruns',
  'mlartifacts',
  '.mlflow',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
]);

/** IGNORED_FOLDERS at any depth, as a glob (the `exclude` of vscode.workspace.findFiles). */
export const IGNORED_FOLDERS_GLOB = `**/{${[...IGNORED_FOLDERS].join(',')}}/**`;
