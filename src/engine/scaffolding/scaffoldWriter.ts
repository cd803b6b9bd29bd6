import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RenderedFile } from './projectRenderer';

/** What writing the files into a folder would do; nothing is written to make it. */
export interface ScaffoldPlan {
  /** Files that do not exist yet. */
  toCreate: string[];
  /** Files that exist with other content: written only if the overwrite callback says yes. */
  conflicts: string[];
  /** Files that exist with exactly this content: left alone. */
  identical: string[];
  /** Paths that cannot be written at all: a folder is there, or a parent is a file or a symbolic link. */
  blocked: string[];
}

export type ScaffoldAction = 'created' | 'overwritten' | 'skipped' | 'unchanged';

export interface ScaffoldProgress {
  relativePath: string;
  action: ScaffoldAction;
  done: number;
  total: number;
}

export interface WriteScaffoldOptions {
  /** Asked once per existing file with other content; only `true` overwrites it. */
  overwrite: (relativePath: string) => boolean | Promise<boolean>;
  onProgress?: (progress: ScaffoldProgress) => void;
  /** Folders without files to create as well (relative, with '/'), so the tree matches the template's. */
  emptyDirs?: readonly string[];
}

export interface ScaffoldResult {
  created: string[];
  overwritten: string[];
  /** Existing files the overwrite callback kept. */
  skipped: string[];
  unchanged: string[];
}

export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

function fullPath(targetDir: string, relativePath: string): string {
  const full = path.resolve(targetDir, ...relativePath.split('/'));
  const rel = path.relative(path.resolve(targetDir), full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ScaffoldError(`'${relativePath}' is outside the project folder ${targetDir}; refusing to write it.`);
  }
  return full;
}

async function lstatOrUndefined(p: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * The first parent of `relativePath` inside the target that is not a real folder: a file, or a
 * symbolic link (writing through a linked folder would put the file wherever the link points).
 */
async function symlinkedOrFileParent(targetDir: string, relativePath: string): Promise<string | undefined> {
  const segments = relativePath.split('/');
  for (let i = 1; i < segments.length; i++) {
    const parent = path.join(targetDir, ...segments.slice(0, i));
    const st = await lstatOrUndefined(parent);
    if (!st) return undefined;
    if (!st.isDirectory()) return parent;
  }
  return undefined;
}

/** Sorts each file into create / conflict / identical / blocked by what is on disk now. */
export async function planScaffold(files: readonly RenderedFile[], targetDir: string): Promise<ScaffoldPlan> {
  const plan: ScaffoldPlan = { toCreate: [], conflicts: [], identical: [], blocked: [] };
  for (const file of files) {
    const full = fullPath(targetDir, file.relativePath);
    const st = await lstatOrUndefined(full);
    if (!st) {
      ((await symlinkedOrFileParent(targetDir, file.relativePath)) ? plan.blocked : plan.toCreate).push(file.relativePath);
    } else if (await symlinkedOrFileParent(targetDir, file.relativePath)) {
      plan.blocked.push(file.relativePath);
    } else if (st.isFile()) {
      ((await fs.promises.readFile(full)).equals(file.content) ? plan.identical : plan.conflicts).push(file.relativePath);
    } else if (st.isSymbolicLink()) {
      plan.conflicts.push(file.relativePath);
    } else {
      plan.blocked.push(file.relativePath);
    }
  }
  return plan;
}

async function writeFile(targetDir: string, full: string, file: RenderedFile, exclusive: boolean): Promise<void> {
  await fs.promises.mkdir(path.dirname(full), { recursive: true });
  // Checked again right before writing: a folder swapped for a link since the plan is not written through.
  const bad = await symlinkedOrFileParent(targetDir, file.relativePath);
  if (bad) throw new ScaffoldError(`${bad} is a symbolic link or a file, not a folder; refusing to write ${file.relativePath} through it.`);
  await fs.promises.writeFile(full, file.content, { flag: exclusive ? 'wx' : 'w', mode: file.mode ?? 0o644 });
  // The template's permission bits exactly (scripts stay executable), also for a file that existed.
  if (file.mode !== undefined) await fs.promises.chmod(full, file.mode);
}

/**
 * Writes the planned files. Never replaces an existing file unless `overwrite` says yes for that
 * file: files that appeared since the plan was made are treated as conflicts too (the create is
 * exclusive), and a symlink is replaced, never written through.
 */
export async function writeScaffold(
  plan: ScaffoldPlan,
  files: readonly RenderedFile[],
  targetDir: string,
  options: WriteScaffoldOptions,
): Promise<ScaffoldResult> {
  if (plan.blocked.length > 0) {
    throw new ScaffoldError(
      `Cannot write ${plan.blocked.join(', ')} in ${targetDir}: a folder is in the way, or a parent path is a file or a symbolic link. Move those away or pick another folder.`,
    );
  }
  const planned = new Set([...plan.toCreate, ...plan.conflicts, ...plan.identical]);
  const missing = files.filter((f) => !planned.has(f.relativePath)).map((f) => f.relativePath);
  if (missing.length > 0) throw new ScaffoldError(`The plan does not cover ${missing.join(', ')}: make the plan from the same files.`);
  const conflicts = new Set(plan.conflicts);
  const identical = new Set(plan.identical);
  const result: ScaffoldResult = { created: [], overwritten: [], skipped: [], unchanged: [] };
  let done = 0;
  const report = (relativePath: string, action: ScaffoldAction) => {
    done++;
    ({ created: result.created, overwritten: result.overwritten, skipped: result.skipped, unchanged: result.unchanged })[action].push(relativePath);
    options.onProgress?.({ relativePath, action, done, total: files.length });
  };
  const askAndWrite = async (file: RenderedFile, full: string) => {
    if (await options.overwrite(file.relativePath)) {
      if ((await lstatOrUndefined(full))?.isSymbolicLink()) await fs.promises.unlink(full);
      await writeFile(targetDir, full, file, false);
      report(file.relativePath, 'overwritten');
    } else {
      report(file.relativePath, 'skipped');
    }
  };
  for (const file of files) {
    const full = fullPath(targetDir, file.relativePath);
    if (identical.has(file.relativePath)) {
      const now = await lstatOrUndefined(full);
      if (now?.isFile() && (await fs.promises.readFile(full)).equals(file.content)) {
        report(file.relativePath, 'unchanged');
        continue;
      }
      if (now) {
        await askAndWrite(file, full);
        continue;
      }
    }
    if (conflicts.has(file.relativePath)) {
      await askAndWrite(file, full);
      continue;
    }
    try {
      await writeFile(targetDir, full, file, true);
      report(file.relativePath, 'created');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await askAndWrite(file, full);
    }
  }
  for (const dir of options.emptyDirs ?? []) {
    const full = fullPath(targetDir, dir);
    if (await symlinkedOrFileParent(targetDir, `${dir}/x`))
      throw new ScaffoldError(`Cannot create the folder ${dir} in ${targetDir}: a parent is a file or a symbolic link.`);
    await fs.promises.mkdir(full, { recursive: true });
  }
  return result;
}
