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
  /** Paths that cannot be written at all: a folder is there, or a parent is a file. */
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

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Sorts each file into create / conflict / identical / blocked by what is on disk now. */
export function planScaffold(files: readonly RenderedFile[], targetDir: string): ScaffoldPlan {
  const plan: ScaffoldPlan = { toCreate: [], conflicts: [], identical: [], blocked: [] };
  for (const file of files) {
    const full = fullPath(targetDir, file.relativePath);
    const st = lstatOrUndefined(full);
    if (!st) {
      // A parent that exists but is not a folder makes the file impossible to create.
      const segments = file.relativePath.split('/');
      let blocked = false;
      for (let i = 1; i < segments.length; i++) {
        const parent = lstatOrUndefined(path.join(targetDir, ...segments.slice(0, i)));
        if (parent && !parent.isDirectory()) blocked = true;
        if (!parent || blocked) break;
      }
      (blocked ? plan.blocked : plan.toCreate).push(file.relativePath);
    } else if (st.isFile()) {
      (fs.readFileSync(full).equals(file.content) ? plan.identical : plan.conflicts).push(file.relativePath);
    } else if (st.isSymbolicLink()) {
      plan.conflicts.push(file.relativePath);
    } else {
      plan.blocked.push(file.relativePath);
    }
  }
  return plan;
}

function writeFile(full: string, file: RenderedFile, exclusive: boolean): void {
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, file.content, { flag: exclusive ? 'wx' : 'w', mode: file.mode ?? 0o644 });
  // Keeps the executable bit of scripts even when the file existed before.
  if (file.mode !== undefined && file.mode & 0o111) fs.chmodSync(full, file.mode);
}

/**
 * Writes the planned files. Never replaces an existing file unless `overwrite` says yes for that
 * file: files that appeared since the plan was made are treated as conflicts too (the create is
 * exclusive), and a symlink is replaced, never written through.
 */
export async function writeScaffold(plan: ScaffoldPlan, files: readonly RenderedFile[], targetDir: string, options: WriteScaffoldOptions): Promise<ScaffoldResult> {
  if (plan.blocked.length > 0) {
    throw new ScaffoldError(`Cannot write ${plan.blocked.join(', ')} in ${targetDir}: a folder is in the way, or a parent path is a file. Move those away or pick another folder.`);
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
      if (lstatOrUndefined(full)?.isSymbolicLink()) fs.unlinkSync(full);
      writeFile(full, file, false);
      report(file.relativePath, 'overwritten');
    } else {
      report(file.relativePath, 'skipped');
    }
  };
  for (const file of files) {
    const full = fullPath(targetDir, file.relativePath);
    if (identical.has(file.relativePath)) {
      const now = lstatOrUndefined(full);
      if (now?.isFile() && fs.readFileSync(full).equals(file.content)) {
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
      writeFile(full, file, true);
      report(file.relativePath, 'created');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await askAndWrite(file, full);
    }
  }
  return result;
}
