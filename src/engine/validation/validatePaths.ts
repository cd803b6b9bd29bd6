import * as fs from 'node:fs';
import * as path from 'node:path';
import { IGNORED_FOLDERS } from '../workspace/ignoredFolders';
import type { ValidationDiagnostic } from './diagnostic';
import { detectFileKind, validateText, type ValidatedFileKind } from './validateFile';

export interface FileValidation {
  file: string;
  kind: ValidatedFileKind;
  diagnostics: ValidationDiagnostic[];
}

// Synchronous file reads: only the CLI's `validate` walks folders (the extension validates open documents).
const fileExists = (p: string): boolean => fs.existsSync(p);

function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!IGNORED_FOLDERS.has(e.name)) walk(full, out);
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
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new Error(`No such file or folder: ${p}`);
    if (stat.isDirectory()) walk(abs, candidates);
    else {
      candidates.push(abs);
      named.add(abs);
    }
  }
  const texts = new Map<string, string>();
  const read = (f: string): string => {
    let t = texts.get(f);
    if (t === undefined) {
      t = fs.readFileSync(f, 'utf8');
      texts.set(f, t);
    }
    return t;
  };
  const referenced = new Map<string, ValidatedFileKind>();
  for (const f of candidates) if (path.basename(f).toLowerCase() === 'mlproject') for (const [k, v] of referencedEnvFiles(f, read(f))) referenced.set(k, v);

  const results: FileValidation[] = [];
  for (const file of [...new Set(candidates)].sort()) {
    const text = read(file);
    const kind = referenced.get(file) ?? detectFileKind(file, text, named.has(file));
    if (!kind) continue;
    results.push({ file, kind, diagnostics: validateText(kind, text, { filePath: file, fileExists }) });
  }
  return results;
}
