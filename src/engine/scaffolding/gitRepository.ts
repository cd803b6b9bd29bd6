import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDirectory, pathExists } from '../workspace/pathExists';
import { TemplateError } from './templateLoader';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git with an argument array (never a shell); never rejects for a non-zero exit. */
export function runGit(args: string[], cwd: string, timeoutMs = 120_000): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No prompts for credentials or editors: the wizard has no terminal to answer them in.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error('git is not installed or not on PATH. Install git, or create the project without git (--no-git).') : err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

export interface GitInitResult {
  initialized: boolean;
  committed: boolean;
  /** Why nothing was done, e.g. the folder is already inside a repository. */
  skippedReason?: string;
}

/** Settings that keep git from starting other programs: hooks, the fsmonitor daemon, commit signing. */
const NO_PROGRAMS = ['-c', `core.hooksPath=${os.devNull}`, '-c', 'core.fsmonitor=false', '-c', 'commit.gpgSign=false'];

const DEFAULT_IDENTITY = { name: 'MLflow Workbench', email: 'mlflow-workbench@users.noreply.local' };

async function gitConfig(key: string, cwd: string): Promise<string> {
  const r = await runGit(['config', '--get', key], cwd);
  return r.code === 0 ? r.stdout.trim() : '';
}

function failure(what: string, r: GitResult, dir: string): Error {
  return new Error(`git ${what} failed in ${dir} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
}

/**
 * Makes the new project a git repository with a first commit. Leaves a folder that is already inside
 * a repository alone (a nested repository is rarely wanted). Without a configured identity the
 * commit is made as "MLflow Workbench" for this one command only (the user's config is untouched).
 */
export async function gitInit(targetDir: string, options: { commit: boolean; message?: string } = { commit: true }): Promise<GitInitResult> {
  const inside = await runGit(['rev-parse', '--show-toplevel'], targetDir);
  if (inside.code === 0) {
    return { initialized: false, committed: false, skippedReason: `${targetDir} is already inside the git repository ${inside.stdout.trim()}.` };
  }
  const initArgs = (await gitConfig('init.defaultBranch', targetDir)) ? ['init'] : ['-c', 'init.defaultBranch=main', 'init'];
  const init = await runGit(initArgs, targetDir);
  if (init.code !== 0) throw failure('init', init, targetDir);
  if (!options.commit) return { initialized: true, committed: false };
  // No hook, fsmonitor or other program configured anywhere runs for this first commit.
  const add = await runGit([...NO_PROGRAMS, 'add', '--all'], targetDir);
  if (add.code !== 0) throw failure('add', add, targetDir);
  const identity: string[] = [];
  if (!(await gitConfig('user.name', targetDir))) identity.push('-c', `user.name=${DEFAULT_IDENTITY.name}`);
  if (!(await gitConfig('user.email', targetDir))) identity.push('-c', `user.email=${DEFAULT_IDENTITY.email}`);
  const commit = await runGit(
    [...NO_PROGRAMS, ...identity, 'commit', '--quiet', '--no-verify', '-m', options.message ?? 'Initial project from MLflow Workbench'],
    targetDir,
  );
  if (commit.code !== 0) throw failure('commit', commit, targetDir);
  return { initialized: true, committed: true };
}

// ---------------------------------------------------------------- user templates

/** True for what `git clone` takes: URLs (https, ssh, git, file) and scp-like user@host:path. */
export function isGitUrl(source: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source) || /^(gh|gl|bb):/.test(source) || /\.git$/.test(source);
}

/** cookiecutter's abbreviations: gh:owner/repo, gl:..., bb:... */
function expandAbbreviation(source: string): string {
  const m = /^(gh|gl|bb):(.+)$/.exec(source);
  if (!m) return source;
  const host = { gh: 'https://github.com', gl: 'https://gitlab.com', bb: 'https://bitbucket.org' }[m[1] as 'gh' | 'gl' | 'bb'];
  return `${host}/${m[2]}.git`;
}

export function defaultTemplateCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'mlflow-workbench', 'templates');
}

export interface UserTemplateOptions {
  /** Where clones are kept; default ~/.cache/mlflow-workbench/templates. */
  cacheDir?: string;
  /** A branch or tag to clone. */
  ref?: string;
  /** The template's folder inside the repository (cookiecutter's --directory). */
  directory?: string;
}

/**
 * The folder of a user's template: a local folder as is, or a fresh shallow clone of a git URL in the
 * cache (re-cloned each time, so the newest template is used). Returns the folder that holds cookiecutter.json.
 */
export async function loadUserTemplate(source: string, options: UserTemplateOptions = {}): Promise<string> {
  let dir: string;
  if (isGitUrl(source)) {
    const url = expandAbbreviation(source);
    const cacheDir = options.cacheDir ?? defaultTemplateCacheDir();
    await fs.promises.mkdir(cacheDir, { recursive: true });
    const key = crypto
      .createHash('sha256')
      .update(`${url}#${options.ref ?? ''}`)
      .digest('hex')
      .slice(0, 16);
    const readable = (
      url
        .replace(/\.git$/, '')
        .split(/[/:]/)
        .pop() || 'template'
    ).replace(/[^\w.-]/g, '_');
    const target = path.join(cacheDir, `${readable}-${key}`);
    // Clone next to the cache entry, then swap: a failed clone keeps the previous copy intact.
    const staging = await fs.promises.mkdtemp(path.join(cacheDir, '.clone-'));
    try {
      const args = ['clone', '--depth', '1', '--quiet', ...(options.ref ? ['--branch', options.ref] : []), '--', url, staging];
      const r = await runGit(args, cacheDir);
      if (r.code !== 0) {
        throw new TemplateError(
          `Could not clone the template ${redactUrl(url)}: ${r.stderr.trim() || `git exited with ${r.code}`}. Check the URL, your network and your git credentials.`,
        );
      }
      await fs.promises.rm(target, { recursive: true, force: true });
      await fs.promises.rename(staging, target);
    } finally {
      await fs.promises.rm(staging, { recursive: true, force: true });
    }
    dir = target;
  } else {
    dir = path.resolve(source);
    if (!(await isDirectory(dir))) {
      throw new TemplateError(`The template folder ${dir} does not exist. Give a folder with cookiecutter.json, or a git URL.`);
    }
  }
  if (options.directory) dir = path.join(dir, options.directory);
  if (!(await pathExists(path.join(dir, 'cookiecutter.json')))) {
    throw new TemplateError(
      `${dir} has no cookiecutter.json, so it is not a cookiecutter template${options.directory ? '' : ' (if the template is in a sub-folder of the repository, give that folder)'}.`,
    );
  }
  return dir;
}

/** Hides a password or token in a URL (https://user:secret@host → https://user:***@host). */
function redactUrl(url: string): string {
  return url
    .replace(/^([a-z]+:\/\/[^/:@]+):[^/@]+@/i, '$1:***@')
    .replace(/^([a-z]+:\/\/)[^/:@]+@/i, (m, scheme: string) => (m.includes(':***') ? m : `${scheme}***@`));
}
