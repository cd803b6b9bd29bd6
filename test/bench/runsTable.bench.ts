// Runs table benchmarks: what the table's extension side does (src/engine/runsTable: runs/search
// through the one REST client, page tokens, rows flattened for the webview, columns discovered)
// against the bare runs/search over node:http in the same run, on 10,000 runs x 20 params x 10
// metrics. Figures (ratio vs raw_http):
//   runs_table_first_page    the table's first page (mlflow.runsTable.pageSize runs, newest first)
//   runs_table_resort        a re-sort by a metric over all runs (order_by metrics.m05 DESC): its first page
//   runs_table_scroll_to_end every page in order to the last run, as scrolling to the end reads them
// Not measured here: painting in the webview (needs the real VS Code) and webview memory.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { ColumnDiscovery } from '../../src/engine/runsTable/runsTableColumns';
import { RunsTablePager } from '../../src/engine/runsTable/runsTablePager';
import { makeTempDir } from '../support/repoPaths';
import { seedScript, startRunsTableServer } from '../support/seedRunsTable';
import { runVenvPython } from '../support/venvPythonRun';

const RUNS = 10_000;
const PARAMS = 20;
const METRICS = 10;
/** Bump when seedRuns.py changes what `table` writes. */
const SEED_VERSION = 1;
/** The table's default page size (mlflow.runsTable.pageSize). */
const PAGE = 200;
const NEWEST = ['attributes.start_time DESC'];
const BY_METRIC = ['metrics.m05 DESC', 'attributes.start_time DESC'];

async function seededFolder(): Promise<{ dir: string; experimentId: string }> {
  const cacheRoot = process.env.MLFLOW_WB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlflow-workbench');
  const mlflowVersion = (await runVenvPython(['-c', 'import mlflow; print(mlflow.__version__)'])).trim();
  const dir = path.join(cacheRoot, 'bench', `runs-table-v${SEED_VERSION}-runs${RUNS}x${PARAMS}x${METRICS}-mlflow${mlflowVersion}`);
  const marker = path.join(dir, 'seeded.json');
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const result = JSON.parse(await runVenvPython([seedScript, 'table', path.join(dir, 'mlflow.db'), String(RUNS), String(PARAMS), String(METRICS), 'bench-runs-table'])) as { experiment_id: string };
    fs.writeFileSync(marker, JSON.stringify(result));
  }
  return { dir, experimentId: (JSON.parse(fs.readFileSync(marker, 'utf8')) as { experiment_id: string }).experiment_id };
}

const agent = new http.Agent({ keepAlive: true });

/** The bare request: node:http, keep-alive, the same JSON body, parsed (the token is needed to page). */
function rawSearch(baseUrl: string, body: unknown): Promise<{ runs?: unknown[]; next_page_token?: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}/api/2.0/mlflow/runs/search`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode !== 200 ? reject(new Error(`HTTP ${res.statusCode}`)) : resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { runs?: unknown[]; next_page_token?: string })));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
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
  const seeded = await seededFolder();
  // The server gets a copy: the cached file stays exactly as seeded.
  const dataDir = makeTempDir('bench-runs-table');
  fs.copyFileSync(path.join(seeded.dir, 'mlflow.db'), path.join(dataDir, 'mlflow.db'));
  const { server, experimentId } = await startRunsTableServer({ runs: RUNS, dataDir, seeded: seeded.experimentId });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 120_000 });
    const body = (orderBy: string[], pageToken?: string) => ({ experiment_ids: [experimentId], max_results: PAGE, order_by: orderBy, page_token: pageToken, run_view_type: 'ACTIVE_ONLY' });
    /** The table's first page: a new query, its rows flattened, its columns discovered. */
    const tableFirstPage = async (orderBy: string[]) => {
      const pager = new RunsTablePager(client, { experimentIds: [experimentId], orderBy, pageSize: PAGE, runViewType: 'ACTIVE_ONLY' });
      const page = await pager.page(0);
      const discovery = new ColumnDiscovery();
      discovery.add(page.rows);
      if (page.rows.length !== PAGE || discovery.columns(false).length < PARAMS + METRICS) throw new Error(`unexpected first page: ${page.rows.length} rows, ${discovery.columns(false).length} columns`);
      return page;
    };
    for (let i = 0; i < 2; i++) {
      await rawSearch(server.url, body(NEWEST));
      await tableFirstPage(NEWEST);
    }
    const first = await tableFirstPage(BY_METRIC);
    const raw = await rawSearch(server.url, body(BY_METRIC));
    if ((raw.runs?.[0] as { info: { run_id: string } }).info.run_id !== first.rows[0].runId) throw new Error('the table and raw runs/search disagree on the top run');

    for (const [name, orderBy] of [['runs_table_first_page', NEWEST], ['runs_table_resort', BY_METRIC]] as const) {
      const table: number[] = [];
      const bare: number[] = [];
      // Interleaved, so drift in the server (caches, GC) hits both alike.
      for (let i = 0; i < 9; i++) {
        table.push(await time(() => tableFirstPage(orderBy)));
        bare.push(await time(() => rawSearch(server.url, body(orderBy))));
      }
      bench(name, median(table), median(bare), 'raw_http');
    }

    const tableToEnd = async () => {
      const pager = new RunsTablePager(client, { experimentIds: [experimentId], orderBy: NEWEST, pageSize: PAGE, runViewType: 'ACTIVE_ONLY' }, 4);
      const discovery = new ColumnDiscovery();
      for (let i = 0; ; i++) {
        const page = await pager.page(i);
        discovery.add(page.rows);
        if (page.last) break;
      }
      if (pager.count.runs !== RUNS) throw new Error(`the table paged ${pager.count.runs} runs, expected ${RUNS}`);
    };
    const rawToEnd = async () => {
      let count = 0;
      let token: string | undefined;
      do {
        const answer = await rawSearch(server.url, body(NEWEST, token));
        count += answer.runs?.length ?? 0;
        token = answer.next_page_token;
      } while (token);
      if (count !== RUNS) throw new Error(`raw paged ${count} runs, expected ${RUNS}`);
    };
    const table: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 2; i++) {
      table.push(await time(tableToEnd));
      bare.push(await time(rawToEnd));
    }
    bench('runs_table_scroll_to_end', median(table), median(bare), 'raw_http');
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
