// What the benchmarks share: the cache of seeded sqlite databases, a server on a copy of one, the
// bare runs/search request they are measured against, a generated MLproject of any size, timing, and
// the BENCH line scripts/bench.mjs reads (`BENCH name=<id> value=<number> unit=<unit> ratio=<number> vs=<reference>`).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTempDir } from '../support/repoPaths';
import { runVenvPython } from '../support/venvPythonRun';

/**
 * A sqlite database seeded once and cached under $MLFLOW_WB_CACHE (or ~/.cache/mlflow-workbench)
 * /bench/<name>-mlflow<version>/mlflow.db: `seed(db)` writes it and returns the JSON its seed script
 * printed (kept beside it as seeded.json, and returned parsed on every later call). Put a version
 * in `name` and bump it when the seed script changes what it writes.
 */
export async function cachedSeededDatabase<T>(name: string, seed: (db: string) => Promise<string>): Promise<{ db: string; seeded: T }> {
  const cacheRoot = process.env.MLFLOW_WB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlflow-workbench');
  const mlflowVersion = (await runVenvPython(['-c', 'import mlflow; print(mlflow.__version__)'])).trim();
  const dir = path.join(cacheRoot, 'bench', `${name}-mlflow${mlflowVersion}`);
  const db = path.join(dir, 'mlflow.db');
  const marker = path.join(dir, 'seeded.json');
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const started = Date.now();
    const printed = await seed(db);
    JSON.parse(printed); // the marker must be readable next time
    fs.writeFileSync(marker, printed);
    console.log(`seeded ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${db}`);
  }
  return { db, seeded: JSON.parse(fs.readFileSync(marker, 'utf8')) as T };
}

/** A fresh data folder holding a copy of `db` (the server gets the copy: the cached file stays exactly as seeded). */
export function copyOfDatabase(db: string, prefix: string): string {
  const dataDir = makeTempDir(prefix);
  fs.copyFileSync(db, path.join(dataDir, 'mlflow.db'));
  return dataDir;
}

export const keepAliveAgent = new http.Agent({ keepAlive: true });

/**
 * The bare request the benchmarks measure against: node:http, keep-alive (`agent`, by default
 * keepAliveAgent), a GET, or a POST of `body` as JSON; the answer parsed, with no validation.
 */
export function rawJson<T>(url: string, o: { body?: unknown; agent?: http.Agent } = {}): Promise<T> {
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const headers = payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
    const req = http.request(url, { method: payload === undefined ? 'GET' : 'POST', agent: o.agent ?? keepAliveAgent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} for ${url}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text) as T);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The bare runs/search: the JSON body as given, the answer parsed (the token is needed to page). */
export function rawRunsSearch(baseUrl: string, body: unknown): Promise<{ runs?: unknown[]; next_page_token?: string }> {
  return rawJson(`${baseUrl}/api/2.0/mlflow/runs/search`, { body });
}

/** Every page of a bare runs/search (`body` of each page's token); resolves with the number of runs read. */
export async function rawRunsSearchAll(baseUrl: string, body: (pageToken: string | undefined) => unknown): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const answer = await rawRunsSearch(baseUrl, body(token));
    count += answer.runs?.length ?? 0;
    token = answer.next_page_token;
  } while (token);
  return count;
}

/** A valid MLproject of `entryPoints` entry points, five lines each (1,000 make about 5,000 lines). */
export function bigMlproject(entryPoints: number): string {
  const lines = ['name: big-project', 'python_env: python_env.yaml', '', 'entry_points:'];
  for (let i = 0; i < entryPoints; i++) {
    lines.push(
      `  step_${i}:`,
      '    parameters:',
      `      alpha: {type: float, default: ${(i % 10) / 10}}`,
      `      data: {type: string, default: "data/part-${i}.csv"}`,
      `    command: "python train.py --alpha {alpha} --data {data} --step ${i}"`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Milliseconds `work` took. */
export async function time(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Prints one figure (milliseconds unless `unit` says otherwise), with its ratio to the reference measured in the same run. */
export function reportBench(name: string, value: number, reference: number, vs: string, unit = 'ms'): void {
  console.log(`BENCH name=${name} value=${figure(value, unit === 'bytes' ? 0 : 2)} unit=${unit} ratio=${figure(value / reference, 3)} vs=${vs}`);
}

/** `x` with `decimals` decimals, or more so a small figure keeps 3 significant digits (0.000123, not 0.000). */
function figure(x: number, decimals: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  return x.toFixed(Math.min(20, Math.max(decimals, 2 - Math.floor(Math.log10(Math.abs(x))))));
}
