// Runs table benchmarks: what the table's extension side does (src/engine/runsTable: runs/search
// through the one REST client, page tokens, rows flattened for the webview, columns discovered)
// against the bare runs/search over node:http in the same run, on 10,000 runs x 20 params x 10
// metrics. Figures (ratio vs raw_http):
//   runs_table_first_page    the table's first page (mlflow.runsTable.pageSize runs, newest first)
//   runs_table_resort        a re-sort by a metric over all runs (order_by metrics.m05 DESC): its first page
//   runs_table_scroll_to_end every page in order to the last run, as scrolling to the end reads them
// Not measured here: painting in the webview (needs the real VS Code) and webview memory.
import * as fs from 'node:fs';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { ColumnDiscovery } from '../../src/engine/runsTable/runsTableColumns';
import { RunsTablePager } from '../../src/engine/runsTable/runsTablePager';
import { seedScript, startRunsTableServer } from '../support/seedRunsTable';
import { runVenvPython } from '../support/venvPythonRun';
import { cachedSeededDatabase, copyOfDatabase, keepAliveAgent, median, rawRunsSearch, reportBench, time } from './benchSetup';

const RUNS = 10_000;
const PARAMS = 20;
const METRICS = 10;
/** Bump when seedRuns.py changes what `table` writes. */
const SEED_VERSION = 1;
/** The table's default page size (mlflow.runsTable.pageSize). */
const PAGE = 200;
const NEWEST = ['attributes.start_time DESC'];
const BY_METRIC = ['metrics.m05 DESC', 'attributes.start_time DESC'];

function seededDatabase(): Promise<{ db: string; seeded: { experiment_id: string } }> {
  return cachedSeededDatabase(`runs-table-v${SEED_VERSION}-runs${RUNS}x${PARAMS}x${METRICS}`, (db) =>
    runVenvPython([seedScript, 'table', db, String(RUNS), String(PARAMS), String(METRICS), 'bench-runs-table']),
  );
}

async function main(): Promise<void> {
  const { db, seeded } = await seededDatabase();
  const dataDir = copyOfDatabase(db, 'bench-runs-table');
  const { server, experimentId } = await startRunsTableServer({ runs: RUNS, dataDir, seeded: seeded.experiment_id });
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
      await rawRunsSearch(server.url, body(NEWEST));
      await tableFirstPage(NEWEST);
    }
    const first = await tableFirstPage(BY_METRIC);
    const raw = await rawRunsSearch(server.url, body(BY_METRIC));
    if ((raw.runs?.[0] as { info: { run_id: string } }).info.run_id !== first.rows[0].runId) throw new Error('the table and raw runs/search disagree on the top run');

    for (const [name, orderBy] of [['runs_table_first_page', NEWEST], ['runs_table_resort', BY_METRIC]] as const) {
      const table: number[] = [];
      const bare: number[] = [];
      // Interleaved, so drift in the server (caches, GC) hits both alike.
      for (let i = 0; i < 9; i++) {
        table.push(await time(() => tableFirstPage(orderBy)));
        bare.push(await time(() => rawRunsSearch(server.url, body(orderBy))));
      }
      reportBench(name, median(table), median(bare), 'raw_http');
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
        const answer = await rawRunsSearch(server.url, body(NEWEST, token));
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
    reportBench('runs_table_scroll_to_end', median(table), median(bare), 'raw_http');
  } finally {
    keepAliveAgent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
