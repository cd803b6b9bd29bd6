import * as fs from 'node:fs';
import * as path from 'node:path';
import { IGNORED_FOLDERS } from '../workspace/ignoredFolders';
import type { ValidationDiagnostic } from './diagnostic';
import { detectFileKind, validateTextAsync, type ValidatedFileKind } from './validateFile';

export interface FileValidation {
  file: string;
  kind: ValidatedFileKind;
  diagnostics: ValidationDiagnostic[];
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!IGNORED_FOLDERS.has(e.name)) await walk(full, out);
    } else if (e.isFile() && (e.name.toLowerCase() === 'mlproject' || /\.(ya?ml|json)$/i.test(e.name))) out.push(full);
  }
}

/** The env files MLproject files name (conda_env: my-env.yaml), so they are checked with the right rules. */
function referencedEnvFiles(mlprojectPath: string, text: string): Map<string, ValidatedFileKind> {
  const out = new Map<string, ValidatedFileKind>();
  // `conda_env: envs/conda.yaml  # comment` at column 0. The value is cut with string operations:
  // a lazy regex with trailing \s* is quadratic on `conda_env: a` + 50 KB of spaces + `b`.
  for (const m of text.matchAll(/^(conda_env|python_env)[ \t]*:/gm)) {
    const lineEnd = text.indexOf('\n', m.index);
    let value = text.slice(m.index + m[0].length, lineEnd === -1 ? text.length : lineEnd);
    const hash = value.search(/(?:^|\s)#/);
    if (hash !== -1) value = value.slice(0, hash);
    value = value.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    if (value) out.set(path.resolve(path.dirname(mlprojectPath), value), m[1] === 'conda_env' ? 'conda' : 'python_env');
  }
  return out;
}

/**
 * Validates files and folders (a folder means every MLproject, conda, python_env and cluster file
 * below it, skipping IGNORED_FOLDERS: node_modules, .git, .venv, mlruns, …). Files of no known kind are skipped.
 */
export async function validatePaths(paths: string[]): Promise<FileValidation[]> {
  const candidates: string[] = [];
  const named = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    const stat = await fs.promises.stat(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!stat) throw new Error(`No such file or folder: ${p}`);
    if (stat.isDirectory()) await walk(abs, candidates);
    else {
      candidates.push(abs);
      named.add(abs);
    }
  }
  const texts = new Map<string, string>();
  const read = async (f: string): Promise<string> => {
    let t = texts.get(f);
    if (t === undefined) {
      t = await fs.promises.readFile(f, 'utf8');
      texts.set(f, t);
    }
    return t;
  };
  const referenced = new Map<string, ValidatedFileKind>();
  for (const f of candidates)
    if (path.basename(f).toLowerCase() === 'mlproject') for (const [k, v] of referencedEnvFiles(f, await read(f))) referenced.set(k, v);

  const results: FileValidation[] = [];
  for (const file of [...new Set(candidates)].sort()) {
    const text = await read(file);
    const kind = referenced.get(file) ?? detectFileKind(file, text, named.has(file));
    if (!kind) continue;
    results.push({ file, kind, diagnostics: await validateTextAsync(kind, text, file) });
  }
  return results;
}
