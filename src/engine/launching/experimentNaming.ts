import * as path from 'node:path';
import { MlflowApiError, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { CallOptions } from '../mlflow/mlflowTypes';
import { runGit } from '../scaffolding/gitRepository';
import { readProject } from './projectEntryPoints';

export const DEFAULT_EXPERIMENT_PATTERN = '${projectName}/${branch}';
export const DEFAULT_DATABRICKS_EXPERIMENT_PATTERN = '/Users/${user}/${projectName}/${branch}';

class ExperimentNamingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentNamingError';
  }
}

/**
 * The git branch of the folder (`git rev-parse --abbrev-ref HEAD`); on a detached HEAD the short
 * commit sha; on a branch with no commit yet, the branch name.
 */
export async function currentGitBranch(projectDir: string): Promise<string> {
  const head = await runGit(['rev-parse', '--abbrev-ref', 'HEAD'], projectDir, 15_000);
  if (head.code === 0) {
    const name = head.stdout.trim();
    if (name !== 'HEAD') return name;
    const sha = await runGit(['rev-parse', '--short', 'HEAD'], projectDir, 15_000);
    if (sha.code === 0) return sha.stdout.trim();
  }
  // A fresh repository has no HEAD commit, but HEAD still names its branch.
  const unborn = await runGit(['symbolic-ref', '--short', 'HEAD'], projectDir, 15_000);
  if (unborn.code === 0 && unborn.stdout.trim()) return unborn.stdout.trim();
  throw new ExperimentNamingError(
    `Cannot name the experiment after the git branch: ${projectDir} is not in a git repository (${firstLine(head.stderr) || 'git rev-parse failed'}). ` +
      'Run from a git checkout, or give the experiment name yourself.',
  );
}

/** One name segment fit for MLflow and Databricks workspace paths: no '/', no blanks, no control characters. */
export function sanitizeNameSegment(value: string): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9._@+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return cleaned || 'unnamed';
}

export interface ExperimentNameVariables {
  /** Default: the MLproject's `name`, else the folder name. */
  projectName?: string;
  /** Default: the current git branch (see currentGitBranch). */
  branch?: string;
  /** For `/Users/${user}/...` on Databricks: the workspace user name (SCIM Me). */
  user?: string;
}

/**
 * Expands a pattern such as `${projectName}/${branch}` or `/Users/{user}/${projectName}/${branch}`
 * (`${x}` and `{x}` both work). Branch and project name are sanitised to one path segment each
 * (feature/x → feature-x), so a branch never creates a folder; the user name is kept as is.
 */
export async function branchExperimentName(pattern: string, projectDir: string, variables: ExperimentNameVariables = {}): Promise<string> {
  const names = new Set(Array.from(pattern.matchAll(/\$?\{(\w+)\}/g), (m) => m[1]!));
  const unknown = [...names].filter((n) => !['projectName', 'branch', 'user'].includes(n));
  if (unknown.length > 0) {
    throw new ExperimentNamingError(
      `The experiment pattern "${pattern}" uses ${unknown.map((n) => `\${${n}}`).join(', ')}; it may use \${projectName}, \${branch} and \${user}.`,
    );
  }
  const values: Record<string, string> = {};
  if (names.has('projectName'))
    values.projectName = sanitizeNameSegment(variables.projectName ?? (await readProject(projectDir)).name ?? path.basename(path.resolve(projectDir)));
  if (names.has('branch')) values.branch = sanitizeNameSegment(variables.branch ?? (await currentGitBranch(projectDir)));
  if (names.has('user')) {
    if (!variables.user)
      throw new ExperimentNamingError(`The experiment pattern "${pattern}" uses \${user}, but no user name is known (it comes from the Databricks workspace).`);
    values.user = variables.user;
  }
  const name = pattern.replace(/\$?\{(\w+)\}/g, (_, key: string) => values[key]!).replace(/\/{2,}/g, '/');
  if (!name.trim()) throw new ExperimentNamingError(`The experiment pattern "${pattern}" gives an empty name.`);
  return name;
}

/**
 * The id of the experiment `name`, created when missing. Safe when several launches race: a
 * RESOURCE_ALREADY_EXISTS from create means another one won, and its experiment is used.
 */
export async function ensureExperiment(client: MlflowRestClient, name: string, o: CallOptions = {}): Promise<string> {
  const existing = await client.getExperimentByName(name, o);
  if (existing) {
    if (existing.lifecycle_stage === 'deleted') {
      throw new ExperimentNamingError(
        `The experiment "${name}" (id ${existing.experiment_id}) is deleted: restore it in the MLflow UI, or use another experiment name.`,
      );
    }
    return existing.experiment_id;
  }
  try {
    return await client.createExperiment(name, o);
  } catch (err) {
    if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
      const winner = await client.getExperimentByName(name, o);
      if (winner) return winner.experiment_id;
    }
    throw err;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
