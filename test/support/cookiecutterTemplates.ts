import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, repoRoot } from './repoPaths';

/** A file of a template made for a test: text or bytes, with permission bits. */
export interface TemplateFile {
  content: string | Buffer;
  mode?: number;
}

/** Writes a cookiecutter template into a fresh folder: cookiecutter.json plus files (paths relative to the template root). */
export function writeTemplate(config: object, files: Record<string, string | Buffer | TemplateFile>, dirs: string[] = []): string {
  const dir = path.join(makeTempDir('cc-template'), 'template');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'cookiecutter.json'), JSON.stringify(config, null, 2));
  for (const [rel, spec] of Object.entries(files)) {
    const file: TemplateFile = typeof spec === 'string' || Buffer.isBuffer(spec) ? { content: spec } : spec;
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, file.content);
    fs.chmodSync(full, file.mode ?? 0o644);
  }
  for (const rel of dirs) fs.mkdirSync(path.join(dir, rel), { recursive: true });
  return dir;
}

/** One entry of a tree as the comparison sees it: kind, permission bits and bytes. */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  sha?: string;
  content?: string;
}

/** Every file and folder under `dir` (sorted, relative with '/'), with modes and contents, to compare trees byte for byte. */
export function snapshotTree(dir: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(full);
      if (st.isSymbolicLink()) entries.push({ path: relPath, kind: 'symlink', mode: 0, content: fs.readlinkSync(full) });
      else if (st.isDirectory()) {
        entries.push({ path: relPath, kind: 'dir', mode: st.mode & 0o7777 });
        walk(full, relPath);
      } else entries.push({ path: relPath, kind: 'file', mode: st.mode & 0o7777, content: fs.readFileSync(full).toString('base64') });
    }
  };
  walk(dir, '');
  return entries;
}

const cookiecutterCommand = path.join(repoRoot, '.venv', 'bin', 'cookiecutter');

/**
 * Runs the real `cookiecutter --no-input` command into a fresh folder, with a HOME of its own (no
 * user config read, replay files kept out of the real home). Returns the generated project folder.
 */
export function runCookiecutterCommand(
  template: string,
  vars: Record<string, string>,
  extraArgs: string[] = [],
): { projectDir?: string; status: number | null; output: string } {
  const out = makeTempDir('cc-command');
  const home = makeTempDir('cc-home');
  const r = spawnSync(cookiecutterCommand, ['--no-input', '-o', out, ...extraArgs, template, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home },
    timeout: 60_000,
  });
  const made = fs.existsSync(out) ? fs.readdirSync(out) : [];
  return { ...(made.length === 1 ? { projectDir: path.join(out, made[0]) } : {}), status: r.status, output: `${r.stdout}${r.stderr}` };
}
