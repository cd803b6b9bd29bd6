// Run explorer benchmark: 10,000 runs in one experiment on a real `mlflow server` (sqlite).
// - explorer_first_page: the first 100 runs, newest first (what the Runs view shows first), through
//   MlflowRestClient vs a bare node:http request with the same body (+ JSON.parse).
// - explorer_page_all_10000: every run, 1000 per page (the largest page the explorer asks for when
//   it loads a whole experiment), vs bare node:http and vs MLflow's Python MlflowClient.search_runs.
// The seeded sqlite file is cached under $MLFLOW_WB_CACHE (or ~/.cache/mlflow-workbench)/bench/.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';
import { runVenvPython } from '../support/venvPythonRun';

const RUNS = 10_000;
/** Bump when seedRuns.py changes what it writes. */
const SEED_VERSION = 1;
const FIRST_PAGE = 100;
const PAGE_ALL = 1000;
const ORDER = ['attributes.start_time DESC'];
const seedScript = path.join(repoRoot, 'test', 'bench', 'seedRuns.py');

async function seededDatabase(): Promise<{ db: string; experimentId: string }> {
  const cacheRoot = process.env.MLFLOW_WB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlflow-workbench');
  const mlflowVersion = (await runVenvPython(['-c', 'import mlflow; print(mlflow.__version__)'])).trim();
  const dir = path.join(cacheRoot, 'bench', `explorer-v${SEED_VERSION}-runs${RUNS}-mlflow${mlflowVersion}`);
  const db = path.join(dir, 'mlflow.db');
  const marker = path.join(dir, 'seeded.json');
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const started = Date.now();
    const result = JSON.parse(await runVenvPython([seedScript, 'seed', db, String(RUNS)])) as { experiment_id: string };
    fs.writeFileSync(marker, JSON.stringify(result));
    console.log(`seeded ${RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${db}`);
  }
  const { experiment_id } = JSON.parse(fs.readFileSync(marker, 'utf8')) as { experiment_id: string };
  return { db, experimentId: experiment_id };
}

const agent = new http.Agent({ keepAlive: true });

/** The bare request: node:http, keep-alive, same JSON body, body parsed (the token is needed to page). */
function rawSearch(baseUrl: string, body: unknown): Promise<{ runs?: unknown[]; next_page_token?: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/api/2.0/mlflow/runs/search`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
          else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { runs?: unknown[]; next_page_token?: string });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function timeMedian(repeats: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function bench(name: string, valueMs: number, referenceMs: number, vs: string): void {
  console.log(`BENCH name=${name} value=${valueMs.toFixed(2)} unit=ms ratio=${(valueMs / referenceMs).toFixed(3)} vs=${vs}`);
}

async function main(): Promise<void> {
  const { db, experimentId } = await seededDatabase();
  // The server gets a copy: the cached file stays exactly as seeded.
  const dataDir = makeTempDir('bench-explorer');
  fs.copyFileSync(db, path.join(dataDir, 'mlflow.db'));
  const server = await startLocalTrackingServer({ python: venvPython, dataDir });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 120_000 });
    const firstPageBody = { experiment_ids: [experimentId], max_results: FIRST_PAGE, order_by: ORDER };

    // Warm-up: connections, the server's first queries.
    for (let i = 0; i < 2; i++) {
      await rawSearch(server.url, firstPageBody);
      await client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER });
    }

    const first = await client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER });
    if (first.items.length !== FIRST_PAGE || first.items[0].info.run_name !== `run-${String(RUNS - 1).padStart(5, '0')}`) {
      throw new Error(`unexpected first page: ${first.items.length} runs, first ${first.items[0]?.info.run_name}`);
    }
    // Interleave the two so drift in the server (caches, GC) hits both alike.
    const clientTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < 9; i++) {
      clientTimes.push(await timeMedian(1, () => client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER })));
      rawTimes.push(await timeMedian(1, () => rawSearch(server.url, firstPageBody)));
    }
    bench('explorer_first_page', median(clientTimes), median(rawTimes), 'raw_http');

    const pageAllClient = async () => {
      let count = 0;
      let pageToken: string | undefined;
      do {
        const page = await client.searchRuns({ experimentIds: [experimentId], maxResults: PAGE_ALL, orderBy: ORDER, pageToken });
        count += page.items.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (count !== RUNS) throw new Error(`client paged ${count} runs, expected ${RUNS}`);
    };
    const pageAllRaw = async () => {
      let count = 0;
      let token: string | undefined;
      do {
        const body = await rawSearch(server.url, { ...firstPageBody, max_results: PAGE_ALL, page_token: token });
        count += body.runs?.length ?? 0;
        token = body.next_page_token;
      } while (token);
      if (count !== RUNS) throw new Error(`raw paged ${count} runs, expected ${RUNS}`);
    };
    const allClient: number[] = [];
    const allRaw: number[] = [];
    // Each full pass costs ~10 s of server time (sqlite, 10 pages): two passes each keep the bench near 2 minutes.
    for (let i = 0; i < 2; i++) {
      allClient.push(await timeMedian(1, pageAllClient));
      allRaw.push(await timeMedian(1, pageAllRaw));
    }
    const pyResult = JSON.parse(await runVenvPython([seedScript, 'page', server.url, experimentId, String(PAGE_ALL), '2'])) as { seconds: number[]; runs: number };
    if (pyResult.runs !== RUNS) throw new Error(`python paged ${pyResult.runs} runs, expected ${RUNS}`);
    const clientAll = median(allClient);
    bench('explorer_page_all_10000', clientAll, median(allRaw), 'raw_http');
    bench('explorer_page_all_10000', clientAll, median(pyResult.seconds) * 1000, 'mlflow_python_client');
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exitCode = 1;
});
