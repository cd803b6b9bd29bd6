import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPlaceholder } from '../validation/requirementChecks';
import { pythonErrorSummary, runProcess } from './childProcess';
import { pathExists } from '../workspace/pathExists';
import { ARCHIVE_EXCLUDED } from './projectArchive';

export const DEFAULT_WHEEL_FOLDER = 'dbfs:/FileStore/wheels';

export interface BuiltWheel {
  fileName: string;
  /** Normalised distribution name (launch-helper → launch_helper), from the file name. */
  distribution: string;
  data: Buffer;
  sha256: string;
  /** `dbfs:/<folder>/<branch>/<sha256 prefix>/<file name>` (legacy protocol) */
  dbfsUri: string;
  /** Jobs protocol: where the wheel was uploaded (`/Workspace/...` or `/Volumes/...`); placeholders become this path. */
  location?: string;
}

/** `dbfs:/x/y`, `/x/y`, `x/y` → `dbfs:/x/y` (no trailing slash). */
function normalizeDbfsUri(folder: string): string {
  const bare = folder.replace(/^dbfs:/, '').replace(/^\/+|\/+$/g, '');
  return `dbfs:/${bare}`;
}

/** `dbfs:/a/b` → `/dbfs/a/b`: how code on the cluster (pip, open()) sees a DBFS file. */
function dbfsFusePath(dbfsUri: string): string {
  return `/dbfs/${dbfsUri.replace(/^dbfs:\/+/, '')}`;
}

/**
 * Builds the project's wheel(s) with `<python> -m build --wheel` in a copy of the project (so the
 * user's folder gets no build/ or *.egg-info), with SOURCE_DATE_EPOCH fixed so an unchanged project
 * builds the same bytes and is not uploaded again.
 */
export async function buildWheels(
  projectDir: string,
  options: {
    python: string;
    wheelFolder: string;
    branch: string;
    isolation?: boolean;
    onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
    signal?: AbortSignal;
  },
): Promise<BuiltWheel[]> {
  if (!(await pathExists(path.join(projectDir, 'pyproject.toml'))) && !(await pathExists(path.join(projectDir, 'setup.py')))) {
    throw new Error(`Cannot build a wheel: ${projectDir} has no pyproject.toml or setup.py. Add one, or launch without building wheels.`);
  }
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mlflow-wb-wheel-'));
  try {
    const source = path.join(work, 'src');
    const outDir = path.join(work, 'dist');
    await fs.promises.cp(projectDir, source, {
      recursive: true,
      preserveTimestamps: true,
      filter: (src) => {
        const base = path.basename(src);
        return !(ARCHIVE_EXCLUDED.has(base) || base === 'build' || base === 'dist' || base.endsWith('.egg-info'));
      },
    });
    const args = ['-m', 'build', '--wheel', '--outdir', outDir];
    if (options.isolation === false) args.push('--no-isolation');
    args.push(source);
    const result = await runProcess(options.python, args, {
      cwd: source,
      env: { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? '315532800', PYTHONUNBUFFERED: '1' },
      onOutput: options.onOutput,
      signal: options.signal,
    });
    if (result.spawnError) throw new Error(`Cannot build the wheel: ${result.spawnError}`);
    if (result.code !== 0) {
      const why = pythonErrorSummary(result.stderr) ?? result.stderr.trim().split('\n').slice(-3).join('\n');
      const hint = /No module named build/.test(result.stderr) ? ` Install it with: ${options.python} -m pip install build` : '';
      throw new Error(`python -m build failed for ${projectDir} (exit code ${result.code}).${hint}\n${why}`);
    }
    const names = (await fs.promises.readdir(outDir).catch(() => [])).filter((n) => n.endsWith('.whl')).sort();
    if (names.length === 0) throw new Error(`python -m build succeeded but left no .whl in its output folder for ${projectDir}.`);
    const wheels: BuiltWheel[] = [];
    for (const fileName of names) {
      const data = await fs.promises.readFile(path.join(outDir, fileName));
      const sha256 = crypto.createHash('sha256').update(data).digest('hex');
      const folder = normalizeDbfsUri(options.wheelFolder);
      wheels.push({
        fileName,
        distribution: fileName.split('-')[0]!.toLowerCase(),
        data,
        sha256,
        dbfsUri: `${folder}/${options.branch}/${sha256.slice(0, 12)}/${fileName}`,
      });
    }
    return wheels;
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/** A token (no blanks or quotes) that refers to a wheel through a placeholder: WHEELPATH, .../WHEELPATH.whl, {{wheel}}... */
function isWheelPlaceholder(token: string): boolean {
  return token.length > 0 && isPlaceholder(token) && (/wheel|whl/i.test(token) || /\.whl$/i.test(token));
}

/** True when the text has a wheel placeholder the launcher would rewrite. */
export function hasWheelPlaceholder(text: string): boolean {
  return findPlaceholderTokens(text).length > 0;
}

function findPlaceholderTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(/[^\s'"[\],]+/g)) if (isWheelPlaceholder(m[0])) tokens.push(m[0]);
  }
  return tokens;
}

function pickWheel(token: string, wheels: BuiltWheel[], where: string): BuiltWheel {
  if (wheels.length === 1) return wheels[0]!;
  const lower = token.toLowerCase().replace(/-/g, '_');
  const named = wheels.filter((w) => new RegExp(`(^|[^a-z0-9])${w.distribution.replace(/-/g, '_').replace(/[.+]/g, '\\$&')}([^a-z0-9]|$)`).test(lower));
  if (named.length === 1) return named[0]!;
  throw new Error(
    `${where}: the placeholder ${token} could be any of the built wheels (${wheels.map((w) => w.fileName).join(', ')}): ` +
      'put the distribution name in the placeholder (e.g. dbfs:/FileStore/wheels/<distribution>-WHEELPATH.whl).',
  );
}

/**
 * Replaces wheel placeholder tokens in a text: a token written as `dbfs:/...` gets the wheel's DBFS
 * URI, anything else (`/dbfs/...`, a bare WHEELPATH) the `/dbfs/...` path pip on the cluster can read.
 */
export function rewriteWheelPlaceholders(text: string, wheels: BuiltWheel[], where: string, form: 'fuse' | 'uri' = 'fuse'): string {
  return text
    .split('\n')
    .map((line) =>
      line.replace(/[^\s'"[\],]+/g, (token) => {
        if (!isWheelPlaceholder(token)) return token;
        const wheel = pickWheel(token, wheels, where);
        if (wheel.location) return wheel.location;
        return token.startsWith('dbfs:') || form === 'uri' ? wheel.dbfsUri : dbfsFusePath(wheel.dbfsUri);
      }),
    )
    .join('\n');
}

/** The cluster spec's `libraries` with wheel placeholders replaced by the uploaded wheels' DBFS URIs. */
export function rewriteLibraries(libraries: unknown[], wheels: BuiltWheel[], where: string): unknown[] {
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!isWheelPlaceholder(value)) return value;
      const wheel = pickWheel(value, wheels, where);
      return wheel.location ?? wheel.dbfsUri;
    }
    if (Array.isArray(value)) return value.map(visit);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    return value;
  };
  return libraries.map(visit);
}

/** Every wheel placeholder string in the libraries (to refuse launching them unrewritten). */
export function libraryPlaceholders(libraries: unknown[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value === 'string' && isWheelPlaceholder(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  libraries.forEach(visit);
  return found;
}
