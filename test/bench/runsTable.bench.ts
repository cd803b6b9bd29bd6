// Runs table benchmarks, on 10,000 runs x 20 params x 10 metrics in a real `mlflow server`, each
// against the bare runs/search over node:http (keep-alive, JSON parsed) measured in the same run.
// The table is the real webview bundle (dist/webview/runsTable.js + .css) in headless Chromium; its
// extension side is the panel's own host (src/engine/runsTable/runsTableHost.ts over the REST client:
// created with the panel, it prefetches the first page while the webview loads; the experiment's
// name comes from the Runs view). Messages cross through Chromium's DevTools protocol as JSON text,
// one way, in order. Set MLFLOW_WB_BENCH_PROFILE=1 to see where the first paint's time goes (the
// host's steps, the server's answers and when the webview got and handled each message, on one
// clock), MLFLOW_WB_BENCH_CPUPROFILE=<file> to write the webview's CPU profile of the last table
// opened (load it in Chromium's DevTools, which maps the minified names with runsTable.js.map),
// MLFLOW_WB_BENCH_TRACE=<file> to write Chromium's performance trace of it (scripts, style, layout,
// paint on the page's main thread; DevTools' Performance panel loads it). Figures:
//   runs_table_first_100_rows_painted  from the panel's creation (the host's prefetch, the webview's
//                                      load, ready, init, query) to 100 rows painted, vs the raw first
//                                      page (same size)
//   runs_table_resort_painted          a click on a metric header to the top rows painted in the new
//                                      order (checked against the raw answer), vs the raw runs/search
//                                      with that order_by
//   runs_table_scroll_to_last_row      scrolling to the end (a frame at a time) until the last run is
//                                      painted, from a table at rest (its read-ahead done), vs raw
//                                      sequential paging through every run
//   runs_table_heap_at_last_row        the webview's JS heap (after a GC) at the last row, in MB,
//                                      vs the issue's budget of 150 MB
// Run one figure: MLFLOW_WB_BENCH_ONLY=first|resort|scroll (scroll also gives the heap figure).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { DEFAULT_RUNS_TABLE_QUERY } from '../../src/engine/runsTable/runsSearchExpression';
import { RunsTableHost } from '../../src/engine/runsTable/runsTableHost';
import type { FromRunsTableMessage, ToRunsTableMessage } from '../../webview/contract';
import { chromiumPath } from '../support/codeServer';
import { makeTempDir, repoRoot } from '../support/repoPaths';
import { seedScript, startRunsTableServer } from '../support/seedRunsTable';
import { runVenvPython } from '../support/venvPythonRun';
import { cachedSeededDatabase, copyOfDatabase, keepAliveAgent, median, rawRunsSearch, rawRunsSearchAll, reportBench, time } from './benchSetup';

const RUNS = 10_000;
const PARAMS = 20;
const METRICS = 10;
/** Bump when seedRuns.py changes what `table` writes. */
const SEED_VERSION = 1;
/** The table's default page size (mlflow.runsTable.pageSize). */
const PAGE = 200;
const NEWEST = ['attributes.start_time DESC'];
const BY_METRIC = ['metrics.m05 DESC', 'attributes.start_time DESC'];
/** Tall enough that 100 rows (26 px each) are on screen under the toolbars. */
const VIEWPORT = { width: 1400, height: 3200 };

/** What the bench calls in the page (PAGE_HELPERS, and the window's own postMessage). */
interface InPage {
  postMessage(message: unknown, origin: string): void;
  __painted(index: number, runId?: string): Promise<number>;
  __firstPainted: Promise<number>;
  __scrollToRow(index: number): Promise<number>;
}

/** In the page with MLFLOW_WB_BENCH_PROFILE: when each message arrives and when its handling is over (console lines the host prints on its clock). */
const PROFILE_HELPERS = `
addEventListener('message', (e) => { console.log('@' + Date.now() + ' got ' + e.data.type + ' ' + (e.data.rows ? e.data.rows.length : '')); setTimeout(() => console.log('@' + Date.now() + ' handled ' + e.data.type), 0); }, true);
addEventListener('DOMContentLoaded', () => console.log('@' + Date.now() + ' DOMContentLoaded'));
console.log('@' + Date.now() + ' helpers');`;

/**
 * In the page: __painted resolves with the time (Date.now, the host's clock too) when the frame that
 * shows the row at `index` (with `runId` when given) is painted: a message posted from that frame's
 * animation callback is handled once its style, layout and paint are done. The page's clock, not
 * the host's: the time a playwright call waits behind the page's own work is not the table's.
 * `#first=<index>` in the page's address starts watching for that row before the bundle runs.
 */
const PAGE_HELPERS = `
window.__painted = (index, runId) => new Promise((resolve) => {
  const selector = '.grid-body .grid-row[data-index="' + index + '"][data-run-id' + (runId ? '="' + runId + '"' : '') + ']';
  const done = () => requestAnimationFrame(() => { const channel = new MessageChannel(); channel.port1.onmessage = () => resolve(Date.now()); channel.port2.postMessage(0); });
  if (document.querySelector(selector)) return done();
  const observer = new MutationObserver(() => { if (document.querySelector(selector)) { observer.disconnect(); done(); } });
  observer.observe(document.body, { childList: true, subtree: true, attributes: true });
});
const firstWatch = /#first=(\\d+)/.exec(location.hash);
if (firstWatch) window.__firstPainted = window.__painted(Number(firstWatch[1]));
window.__scrollToRow = (index) => new Promise((resolve, reject) => {
  const selector = '.grid-body .grid-row[data-index="' + index + '"][data-run-id]';
  const deadline = performance.now() + 20 * 60 * 1000;
  const step = () => {
    if (performance.now() > deadline) return reject(new Error('row ' + index + ' never painted: ' + document.querySelector('.run-count')?.textContent));
    const grid = document.querySelector('.runs-grid');
    if (grid) grid.scrollTop = grid.scrollHeight;
    if (document.querySelector(selector)) return requestAnimationFrame(() => resolve(performance.now()));
    requestAnimationFrame(step);
  };
  step();
});`;

/**
 * The table's extension side for one webview page: the panel's own host (RunsTableHost, created with
 * the panel: it prefetches the default query's first page while the webview loads; the experiment's
 * name comes from the Runs view, as when the table is opened from there), its messages crossing as
 * VS Code's do.
 */
async function attachHost(
  context: BrowserContext,
  page: Page,
  client: MlflowRestClient,
  experiment: { id: string; name: string },
): Promise<{ host: RunsTableHost; cdp: CDPSession; errors: string[]; started: number }> {
  let t0 = process.hrtime.bigint();
  let wall0 = Date.now();
  const mark = (what: string) => {
    if (process.env.MLFLOW_WB_BENCH_PROFILE) console.log(`  ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms ${what}`);
  };
  if (process.env.MLFLOW_WB_BENCH_PROFILE)
    page.on('console', (m) => {
      const text = m.text();
      const at = /^@(\d+) (.*)$/.exec(text);
      if (at) console.log(`  ${Number(at[1]) - wall0} ms   webview ${at[2]}`);
    });
  // With MLFLOW_WB_BENCH_PROFILE, each runs/search's answer is marked on the timeline.
  const timed: MlflowRestClient = Object.create(client) as MlflowRestClient;
  timed.searchRuns = (request) =>
    client.searchRuns(request).then((r) => {
      mark(`server answered ${r.items.length} runs`);
      return r;
    });
  const errors: string[] = [];
  // The bench's own plumbing first, off the clock (VS Code has its webview channel ready when a panel
  // is created): a DevTools-protocol session on the page and the binding the webview posts through.
  const cdp = await context.newCDPSession(page);
  // As VS Code's webview.postMessage does, the message crosses as JSON text, one way (the panel never
  // waits for the webview): a CDP Runtime.evaluate that is not awaited, so messages keep their order
  // without a round trip each (playwright's page.evaluate waits for the page's answer).
  const post = (message: ToRunsTableMessage) => {
    mark(`posted ${message.type}${message.type === 'page' ? ` ${message.index} (${message.rows.length} rows)` : ''}`);
    cdp.send('Runtime.evaluate', { expression: `postMessage(JSON.parse(${JSON.stringify(JSON.stringify(message))}), '*')` }).catch(() => undefined);
  };
  /** Set at the panel's creation, below (no message comes before the page loads). */
  const to: { host?: RunsTableHost } = {};
  // The webview's postMessage is one way too, in order: a CDP binding (playwright's exposeFunction
  // answers every call, and the page waited for each answer before its next message).
  cdp.on('Runtime.bindingCalled', (event) => {
    if (event.name !== '__toHost' || !to.host) return;
    const message = JSON.parse(event.payload) as FromRunsTableMessage;
    mark(`webview: ${message.type}`);
    to.host.receive(message).catch((err: unknown) => {
      if (!(err instanceof Error && err.name === 'AbortError')) errors.push(err instanceof Error ? err.message : String(err));
    });
  });
  await cdp.send('Runtime.enable');
  await cdp.send('Runtime.addBinding', { name: '__toHost' });
  let closed = false;
  page.once('close', () => (closed = true));
  // The panel's creation: its host starts reading the first rows; the caller starts the page's load.
  t0 = process.hrtime.bigint();
  wall0 = Date.now();
  const host = new RunsTableHost(
    {
      connectionId: 'bench',
      client: () => ({ client: timed, label: 'bench' }),
      post,
      closed: () => closed,
      layout: () => ({ hidden: [], pinned: [], widths: {}, order: [] }),
      starred: () => [],
      pageSize: () => PAGE,
      log: { error: (text) => errors.push(text), warn: () => undefined },
    },
    [experiment.id],
    DEFAULT_RUNS_TABLE_QUERY,
    [experiment.name],
  );
  to.host = host;
  return { host, cdp, errors, started: wall0 };
}

/**
 * Until Chromium is at rest (its processes together under a tenth of a core for 100 ms; at most
 * 3 s). A new page is the bench's plumbing, off the clock, but Chromium goes on working for ~0.9 s
 * after newPage() resolves: the about:blank page's renderer burns ~0.9 s of CPU (SystemInfo's
 * process times), though the table's navigation then runs in another renderer. On the clock that
 * work competed with the server and the table for the 2 cores (the figure was ~0.4x higher with
 * it). Before a command VS Code is at rest: the clock starts as it would there; the raw reference,
 * measured after a table's page is closed, waits for rest too.
 */
async function settle(cdp: CDPSession): Promise<void> {
  const cpu = async () => {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
  };
  const deadline = Date.now() + 3000;
  let before = await cpu();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await cpu();
    // Processes that ended take their time with them: a drop counts as rest too.
    if (now - before < 0.01) return;
    before = now;
  }
}

/**
 * Until the table's reads are over (the rest of page 0 and the pages read ahead, asked for once the
 * first rows are painted; which runs are parents): the next measurement starts on a quiet server.
 * A read cut short by dispose() goes on in the server: it would slow the next one.
 */
async function quiet(host: RunsTableHost): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await host.idle();
}

async function main(): Promise<void> {
  const only = process.env.MLFLOW_WB_BENCH_ONLY;
  if (only && !['first', 'resort', 'scroll'].includes(only))
    throw new Error(`MLFLOW_WB_BENCH_ONLY=${only}: runsTable.bench has the figures first, resort and scroll.`);
  const dist = path.join(repoRoot, 'dist', 'webview');
  if (!fs.existsSync(path.join(dist, 'runsTable.js'))) throw new Error(`${dist}/runsTable.js is missing: run \`node scripts/build.mjs\` first.`);
  const { db, seeded } = await cachedSeededDatabase<{ experiment_id: string }>(`runs-table-v${SEED_VERSION}-runs${RUNS}x${PARAMS}x${METRICS}`, (file) =>
    runVenvPython([seedScript, 'table', file, String(RUNS), String(PARAMS), String(METRICS), 'bench-runs-table']),
  );
  const dataDir = copyOfDatabase(db, 'bench-runs-table');
  const { server, experimentId } = await startRunsTableServer({ runs: RUNS, dataDir, seeded: seeded.experiment_id });
  const pageDir = makeTempDir('bench-runs-table-page');
  const html = path.join(pageDir, 'table.html');
  fs.writeFileSync(
    html,
    `<!DOCTYPE html><html><head><link rel="stylesheet" href="file://${dist}/runsTable.css"></head><body class="vscode-dark"><div id="app"></div>` +
      `<script>let __state;window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__toHost(JSON.stringify(m)),getState:()=>__state,setState:(s)=>{__state=s}});${PAGE_HELPERS}${process.env.MLFLOW_WB_BENCH_PROFILE ? PROFILE_HELPERS : ''}</script>` +
      `<script src="file://${dist}/runsTable.js"></script></body></html>`,
  );
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 600_000 });
    const body = (orderBy: string[], pageToken?: string) => ({
      experiment_ids: [experimentId],
      max_results: PAGE,
      order_by: orderBy,
      page_token: pageToken,
      run_view_type: 'ACTIVE_ONLY',
    });
    const context: BrowserContext = await browser.newContext({ viewport: VIEWPORT });
    const browserCdp = await browser.newBrowserCDPSession();
    /** A fresh table (new page, new session) painted down to row `rows - 1`; the time it took. */
    const openTable = async (rows: number) => {
      const page = await context.newPage();
      await settle(browserCdp);
      // From the panel's creation (its host side starts reading) to the rows painted.
      const host = await attachHost(context, page, client, experiment);
      const started = host.started;
      const cdp = host.cdp;
      const cpuProfile = process.env.MLFLOW_WB_BENCH_CPUPROFILE;
      if (cpuProfile) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const trace = process.env.MLFLOW_WB_BENCH_TRACE;
      if (trace)
        await browser.startTracing(page, {
          path: trace,
          categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing'],
        });
      await page.goto(`file://${html}#first=${rows - 1}`);
      const ms = (await page.evaluate(() => (globalThis as unknown as InPage).__firstPainted)) - started;
      if (trace) await browser.stopTracing();
      if (cpuProfile) fs.writeFileSync(cpuProfile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      if (process.env.MLFLOW_WB_BENCH_PROFILE) console.log(`  ${ms.toFixed(0)} ms painted`);
      if (host.errors.length) throw new Error(`the table's host failed: ${host.errors.join('; ')}`);
      return { page, host, ms };
    };
    const close = async (t: { page: Page; host: { host: RunsTableHost } }) => {
      await quiet(t.host.host);
      t.host.host.dispose();
      await t.page.close();
      // The raw reference that follows runs at rest too (not beside the page's processes ending).
      await settle(browserCdp);
    };
    const raw = await rawRunsSearch(server.url, body(NEWEST));
    // As the Runs view knows it when it opens the table.
    const experiment = { id: experimentId, name: (await client.getExperiment(experimentId)).name };
    // Warm-up: the server's caches, Chromium's code cache.
    await close(await openTable(100));

    if (!only || only === 'first') {
      const table: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < 21; i++) {
        const t = await openTable(100);
        const top = await t.page.locator('.grid-row[data-index="0"]').getAttribute('data-run-id');
        if (top !== (raw.runs?.[0] as { info: { run_id: string } }).info.run_id) throw new Error(`the table's top run ${top} is not the newest`);
        table.push(t.ms);
        await close(t);
        bare.push(await time(() => rawRunsSearch(server.url, body(NEWEST))));
      }
      console.log(`first 100 rows painted: ${table.map((t) => t.toFixed(0)).join(', ')} ms; raw first page: ${bare.map((t) => t.toFixed(0)).join(', ')} ms`);
      reportBench('runs_table_first_100_rows_painted', median(table), median(bare), 'raw_http_first_page');
    }

    if (!only || only === 'resort') {
      const table: number[] = [];
      const bare: number[] = [];
      let expectedTop = '';
      for (let i = 0; i < 3; i++) {
        const t = await openTable(20);
        await quiet(t.host.host);
        const header = t.page.locator('.col-header[data-col="metrics.m05"] .col-label');
        await header.waitFor();
        const started = Date.now();
        await header.click();
        if (!expectedTop) {
          // The first round learns the top run (the raw answer is timed separately below).
          await t.page.waitForFunction("document.querySelector('.compiled-order')?.textContent === 'metrics.m05 DESC, attributes.start_time DESC'");
          await t.page.evaluate(() => (globalThis as unknown as InPage).__painted(0));
          expectedTop = ((await rawRunsSearch(server.url, body(BY_METRIC))).runs?.[0] as { info: { run_id: string } }).info.run_id;
        }
        table.push((await t.page.evaluate((id) => (globalThis as unknown as InPage).__painted(0, id), expectedTop)) - started);
        await close(t);
        bare.push(await time(() => rawRunsSearch(server.url, body(BY_METRIC))));
      }
      console.log(`re-sort painted: ${table.map((t) => t.toFixed(0)).join(', ')} ms; raw order_by: ${bare.map((t) => t.toFixed(0)).join(', ')} ms`);
      // The first round waited for the raw answer too: its figure is left out.
      reportBench('runs_table_resort_painted', median(table.slice(1)), median(bare), 'raw_http_order_by');
    }

    if (!only || only === 'scroll') {
      const rawToEnd = async () => {
        const count = await rawRunsSearchAll(server.url, (token) => body(NEWEST, token));
        if (count !== RUNS) throw new Error(`raw paged ${count} runs, expected ${RUNS}`);
      };
      const table: number[] = [];
      const bare: number[] = [];
      let heapMb = 0;
      for (let i = 0; i < 2; i++) {
        // From a table at rest (its first page and the pages it read ahead are there, as after the
        // second or so it takes a user to start scrolling): the rest is read on the clock.
        const t = await openTable(20);
        await quiet(t.host.host);
        table.push(await time(() => t.page.evaluate((last) => (globalThis as unknown as InPage).__scrollToRow(last), RUNS - 1)));
        const cdp = await context.newCDPSession(t.page);
        await cdp.send('HeapProfiler.collectGarbage');
        const heap = await cdp.send('Runtime.getHeapUsage');
        heapMb = Math.max(heapMb, heap.usedSize / 1024 / 1024);
        const loaded = Number(await t.page.locator('.runs-grid').getAttribute('data-loaded-pages'));
        console.log(
          `at the last row: ${(heap.usedSize / 1024 / 1024).toFixed(1)} MB of JS heap, ${loaded} pages of rows held, ${await t.page.locator('.grid-body .grid-row').count()} rows in the DOM`,
        );
        await close(t);
        bare.push(await time(rawToEnd));
      }
      console.log(
        `scroll to the last row: ${table.map((t) => t.toFixed(0)).join(', ')} ms; raw sequential paging: ${bare.map((t) => t.toFixed(0)).join(', ')} ms`,
      );
      reportBench('runs_table_scroll_to_last_row', median(table), median(bare), 'raw_http_sequential_paging');
      reportBench('runs_table_heap_at_last_row', heapMb, 150, 'budget_150MB', 'MB');
    }
  } finally {
    await browser.close();
    keepAliveAgent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(pageDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
