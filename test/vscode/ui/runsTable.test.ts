import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { useMlflowServer } from '../../support/mlflowServer';
import { copyFixture } from '../../support/repoPaths';
import { startRunsTableServer, type RunsTableFixture } from '../../support/seedRunsTable';
import { FIRST_COLUMN_IDS } from '../../support/runsTableColumnIds';
import { backgroundLuminance, Workbench } from '../../support/workbench';
import { waitUntil } from '../../support/waitUntil';

const RUNS = 3000;
/** MLflow's own variable, read by the extension too: on a loaded machine a sort over thousands of runs can take longer than the 30 s default. */
const env = { MLFLOW_HTTP_REQUEST_TIMEOUT: '240' };
let describeTable: (() => Promise<string>) | undefined;

/** Polls `read` until it returns `expected` (deep-equal), failing with the last value after `ms`. */
async function until<T>(what: string, read: () => Promise<T>, expected: T, ms = 180_000): Promise<void> {
  let last: T | undefined;
  const matches = async () => {
    last = await read();
    assert.deepEqual(last, expected);
    return true;
  };
  const lastState = async () => `still ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}\n${describeTable ? await describeTable() : ''}`;
  await waitUntil(what, matches, { timeoutMs: ms, intervalMs: 250, lastState });
}

/** The run ids of the first `n` rows of the table. */
function topRunIds(view: FrameLocator, n: number): Promise<string[]> {
  return view.locator('.grid-body .grid-row[data-run-id]').evaluateAll(
    (rows, count) =>
      rows
        .map((r) => [Number(r.getAttribute('data-index')), r.getAttribute('data-run-id')] as const)
        .filter(([i]) => i >= 0 && i < count)
        .sort((a, b) => a[0] - b[0])
        .map(([, id]) => id),
    n,
  );
}

async function compiledOrder(view: FrameLocator): Promise<string> {
  return (await view.locator('.compiled-order').textContent()) ?? '';
}

/** Scrolls the grid to its end until every matching run is counted; returns the badge text. */
async function scrollToEnd(view: FrameLocator): Promise<string> {
  const grid = view.locator('.runs-grid');
  const badge = view.locator('.run-count');
  const counted = async () => {
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const text = (await badge.textContent()) ?? '';
    return !text.includes('+') && /\d/.test(text) && text;
  };
  return waitUntil('the table counts every run (scrolled to its end)', counted, {
    timeoutMs: 300_000,
    intervalMs: 200,
    lastState: async () => `badge: ${await badge.textContent()}`,
  });
}

/** The ids of the rows that match `selector`, in the order they are drawn. */
function drawnIds(view: FrameLocator, selector: string): Promise<string[]> {
  return view.locator(selector).evaluateAll((rows) =>
    rows
      .map((r) => [Number(r.getAttribute('data-index')), r.getAttribute('data-run-id') ?? ''] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, id]) => id),
  );
}

function headerIds(view: FrameLocator): Promise<string[]> {
  return view.locator('.grid-head .col-header[data-col]').evaluateAll((els) => els.map((e) => e.getAttribute('data-col') ?? ''));
}

describe('Runs table (real VS Code, real MLflow server with thousands of runs)', () => {
  const open: Workbench[] = [];
  let fixture: Promise<RunsTableFixture> | undefined;
  /** One server with the seeded experiment for both tests. */
  const seeded = () => (fixture ??= startRunsTableServer({ runs: RUNS, experimentName: 'ui-runs-table' }));
  after(async () => {
    for (const w of open) await w.close();
    await (await fixture?.catch(() => undefined))?.server.stop();
  });

  it('dark theme: sorts and filters on the server as MlflowClient does, groups by a param, and compares three Shift-selected runs', async () => {
    const f = await seeded();
    const workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': f.server.url }, env });
    open.push(workbench);
    await workbench.openViewContainer('MLflow');
    // The experiment's inline action opens the table.
    const experiment = workbench.treeItem('Runs', 'ui-runs-table');
    await experiment.waitFor({ timeout: 180_000 });
    await workbench.focusTreeRow('Runs', 'ui-runs-table');
    await experiment.hover();
    await experiment.locator('.action-label[aria-label="Open Runs Table"]').click();
    const view = workbench.webview();
    describeTable = async () => {
      await workbench.screenshot('runs-table-failure');
      return `table shows: ${await view.locator('.query-line').innerText({ timeout: 5000 })} | ${await view.locator('.run-count').innerText({ timeout: 5000 })} | rows: ${await view
        .locator('.grid-body')
        .innerText({ timeout: 5000 })
        .then((t) => t.slice(0, 300))}`;
    };
    await view.locator('.grid-row[data-index="0"]').waitFor({ timeout: 180_000 });
    await workbench.page.locator('.tabs-container .tab', { hasText: 'Runs: ui-runs-table' }).waitFor({ timeout: 120_000 });
    // The first screen's rows come first (100+), then the rest of the first page (200+), then the
    // page read ahead (400+) within moments: the test may first see any of the whole-page counts.
    await until(
      'the count after the first page (whole pages of 200)',
      async () => {
        const held = /^(\d+)\+ matching runs$/.exec((await view.locator('.run-count').textContent()) ?? '');
        return held !== null && Number(held[1]) >= 200 && Number(held[1]) % 200 === 0;
      },
      true,
    );
    // Newest first by default, as MLflow's client lists them.
    assert.deepEqual(await topRunIds(view, 5), await f.searchRunIds(['attributes.start_time DESC'], '', 5));
    // The header holds the columns on screen for the first paint, then (once the page is idle) all of them.
    const headerIds = () => view.locator('.grid-head .col-header[data-col]').evaluateAll((els) => els.map((e) => e.getAttribute('data-col')));
    await until('the whole header', async () => (await headerIds()).includes('tags.team'), true);
    const headers = await headerIds();
    assert.deepEqual(headers.slice(0, FIRST_COLUMN_IDS.length), FIRST_COLUMN_IDS);
    for (const col of ['metrics.val_loss', 'metrics.accuracy', 'params.lr', 'params.optimizer', 'tags.team'])
      assert.ok(headers.includes(col), `column ${col} in ${headers.join(', ')}`);

    // Body cells are drawn only for the columns near the screen: none on screen is missing, before
    // and after scrolling sideways to the last column, and the row holds fewer cells than there are columns.
    const missingOnScreen = () =>
      view.locator('.runs-grid').evaluate((grid) => {
        const box = grid.getBoundingClientRect();
        const drawn = new Set([...grid.querySelectorAll('.grid-body .grid-row[data-index="0"] .cell[data-col]')].map((cell) => cell.getAttribute('data-col')));
        return [...grid.querySelectorAll('.grid-head .col-header[data-col]')]
          .filter((header) => {
            const r = header.getBoundingClientRect();
            return r.right > box.left && r.left < box.right;
          })
          .map((header) => header.getAttribute('data-col') ?? '')
          .filter((id) => !drawn.has(id));
      });
    const cellsInRow = () => view.locator('.grid-body .grid-row[data-index="0"] .cell[data-col]').count();
    assert.deepEqual(await missingOnScreen(), []);
    const cellsAtLeft = await cellsInRow();
    await view.locator('.runs-grid').evaluate((grid) => (grid.scrollLeft = grid.scrollWidth));
    await until('every cell on screen drawn after scrolling to the last column', missingOnScreen, []);
    assert.equal(await view.locator(`.grid-body .grid-row[data-index="0"] .cell[data-col="${headers.at(-1)}"]`).count(), 1);
    assert.ok(
      Math.min(cellsAtLeft, await cellsInRow()) < headers.length,
      `cells drawn: ${cellsAtLeft} then ${await cellsInRow()} of ${headers.length} columns`,
    );
    await view.locator('.runs-grid').evaluate((grid) => (grid.scrollLeft = 0));
    await until('every cell on screen drawn back at the first column', missingOnScreen, []);

    // Sort by a metric: the server sorts all 3,000 runs; the top rows are MlflowClient's with the same order_by.
    const header = (col: string) => view.locator(`.col-header[data-col="${col}"]`);
    await header('metrics.val_loss').locator('.col-label').click();
    await until('order_by', () => compiledOrder(view), 'metrics.val_loss DESC, attributes.start_time DESC');
    let expected = await f.searchRunIds(['metrics.val_loss DESC', 'attributes.start_time DESC'], '', 5);
    await until('top rows sorted by val_loss DESC', () => topRunIds(view, 5), expected);
    assert.equal(await header('metrics.val_loss').getAttribute('aria-sort'), 'descending');
    // Several keys: optimizer, then (Shift) val_loss.
    await header('params.optimizer').locator('.col-label').click();
    await header('metrics.val_loss')
      .locator('.col-label')
      .click({ modifiers: ['Shift'] });
    await until('order_by of two keys', () => compiledOrder(view), 'params.optimizer, metrics.val_loss DESC, attributes.start_time DESC');
    expected = await f.searchRunIds(['params.optimizer', 'metrics.val_loss DESC', 'attributes.start_time DESC'], '', 5);
    await until('top rows sorted by optimizer then val_loss', () => topRunIds(view, 5), expected);
    assert.match(await header('metrics.val_loss').innerText(), /▼2/);
    await workbench.screenshot('runs-table-dark');

    // Scrolling reads the pages in order to the last run; the table holds only the pages near the screen.
    assert.equal(await scrollToEnd(view), '3,000 matching runs');
    const lastRow = view.locator('.grid-row[data-index="2999"]');
    await lastRow.waitFor({ timeout: 120_000 });
    const lastExpected = (await f.searchRunIds(['params.optimizer', 'metrics.val_loss DESC', 'attributes.start_time DESC'], '', RUNS)).at(-1);
    assert.equal(await lastRow.getAttribute('data-run-id'), lastExpected);
    assert.ok(Number(await view.locator('.runs-grid').getAttribute('data-loaded-pages')) <= 6, 'pages kept near the screen only');
    assert.ok((await view.locator('.grid-body .grid-row').count()) < 120, 'rows are virtualized');

    // A column filter compiles to MLflow's syntax, shows it, and the server applies it.
    await header('metrics.val_loss').hover();
    await header('metrics.val_loss').locator('.col-filter-btn').click();
    const form = view.locator('.col-filter-form');
    await form.locator('select[name="filter-op"]').selectOption('<');
    await form.locator('input[name="filter-value"]').fill('0.3');
    assert.equal(await form.locator('.filter-preview').textContent(), 'metrics.val_loss < 0.3');
    await form.locator('button', { hasText: 'Apply' }).click();
    await view.locator('.filter-chips .chip code', { hasText: 'metrics.val_loss < 0.3' }).waitFor();
    const order = ['params.optimizer', 'metrics.val_loss DESC', 'attributes.start_time DESC'];
    const filtered = await f.searchRunIds(order, 'metrics.val_loss < 0.3', RUNS);
    await until('top rows with the column filter', () => topRunIds(view, 5), filtered.slice(0, 5));
    assert.equal(await scrollToEnd(view), `${filtered.length} matching runs`);

    // A typed expression joins the column filter with AND.
    const box = view.locator('input[name="search-filter"]');
    await box.fill("params.lr = '0.01'");
    await box.press('Enter');
    await until(
      'compiled filter',
      async () => (await view.locator('.compiled-filter code').first().textContent()) ?? '',
      "params.lr = '0.01' AND metrics.val_loss < 0.3",
    );
    const both = await f.searchRunIds(order, "params.lr = '0.01' AND metrics.val_loss < 0.3", RUNS);
    await until('top rows with both filters', () => topRunIds(view, 5), both.slice(0, 5));
    assert.equal(await scrollToEnd(view), `${both.length} matching runs`);
    // A broken one: the server's reason is shown in place, and nothing else breaks.
    await box.fill("nonsense.lr = '0.01'");
    await box.press('Enter');
    const error = view.locator('.query-error');
    await error.waitFor({ timeout: 120_000 });
    assert.match(await error.innerText(), /The server refused this query: INVALID_PARAMETER_VALUE: Invalid entity type 'nonsense'/);
    await workbench.screenshot('runs-table-filter-error-dark');
    await box.fill('');
    await box.press('Enter');
    await error.waitFor({ state: 'detached', timeout: 120_000 });
    await view.locator('.chip-remove').click();
    await until('filters cleared', () => topRunIds(view, 3), await f.searchRunIds(order, '', 3));

    // Group by a param: one row per value with its count and the metrics' min/mean/max.
    await view.locator('select[name="group-by"]').selectOption('params.optimizer');
    const groupRows = view.locator('.group-row');
    await groupRows.nth(2).waitFor({ timeout: 180_000 });
    assert.deepEqual(await view.locator('.group-row .group-count').allInnerTexts(), ['1000 runs', '1000 runs', '1000 runs']);
    assert.deepEqual((await groupRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')))).sort(), ['adam', 'rmsprop', 'sgd']);
    assert.match(await groupRows.first().locator('.group-metric[data-metric="val_loss"]').innerText(), /min .* · mean .* · max /);
    await groupRows.first().locator('.group-toggle').click();
    assert.equal(await groupRows.first().getAttribute('aria-expanded'), 'true');
    assert.ok((await view.locator('.group-rows .grid-row').count()) > 0);
    await workbench.screenshot('runs-table-groups-dark');
    await view.locator('select[name="group-by"]').selectOption('');
    await view.locator('.grid-row[data-index="2"]').waitFor({ timeout: 120_000 });

    // Select three runs with a click and a Shift-click, then compare exactly them.
    const rowAt = (i: number) => view.locator(`.grid-body .grid-row[data-index="${i}"]`);
    await rowAt(0).locator('.cell[data-col="attributes.run_name"]').click();
    await rowAt(2)
      .locator('.cell[data-col="attributes.run_name"]')
      .click({ modifiers: ['Shift'] });
    assert.equal(await view.locator('.selection-count').textContent(), '3 selected');
    // The name cell starts with the ▸ that shows a run's child runs.
    const names = await Promise.all(
      [0, 1, 2].map(async (i) => (await rowAt(i).locator('.cell[data-col="attributes.run_name"]').innerText()).replace(/^[▸▾]\s*/, '').trim()),
    );
    const ids = await Promise.all([0, 1, 2].map((i) => rowAt(i).getAttribute('data-run-id')));
    assert.deepEqual(ids, await f.searchRunIds(order, '', 3));
    await view.locator('.action-bar button', { hasText: 'Compare' }).click();
    await workbench.page.locator('.tabs-container .tab', { hasText: 'Compare 3 runs' }).waitFor({ timeout: 180_000 });
    const compare = workbench.webview();
    const runHeaders = compare.locator('table.params thead th[scope="col"]:not(.key)');
    await runHeaders.nth(2).waitFor({ timeout: 180_000 });
    assert.deepEqual(await runHeaders.allInnerTexts(), names);
    assert.match(await compare.locator('header h1').innerText(), /^3 runs on /);
  });

  it("light theme, opened from the palette's experiment picker", async () => {
    const f = await seeded();
    const workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': f.server.url, 'workbench.colorTheme': 'Default Light Modern' },
      env,
    });
    open.push(workbench);
    await workbench.runCommand('MLflow: Open Runs Table');
    const item = workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'ui-runs-table' }).first();
    await item.waitFor({ timeout: 180_000 });
    await item.click();
    await workbench.page.keyboard.press('Enter');
    const view = workbench.webview();
    await view.locator('.grid-row[data-index="0"]').waitFor({ timeout: 180_000 });
    assert.equal(await view.locator('body').evaluate((b) => b.classList.contains('vscode-light')), true);
    const luminance = await backgroundLuminance(view.locator('body'));
    assert.ok(luminance > 0.8, `webview background luminance ${luminance.toFixed(3)} is not light`);
    await view.locator('.col-header[data-col="metrics.accuracy"] .col-label').click();
    const expected = await f.searchRunIds(['metrics.accuracy DESC', 'attributes.start_time DESC'], '', 5);
    await until('top rows sorted by accuracy', () => topRunIds(view, 5), expected);
    // As a user would: scroll the grid body to the row (below the sticky header), then tick it.
    for (const i of [1, 3]) {
      const row = view.locator(`.grid-body .grid-row[data-index="${i}"]`);
      await row.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await row.locator('.row-check').click();
    }
    assert.equal(await view.locator('.selection-count').textContent(), '2 selected');
    await workbench.screenshot('runs-table-light');
  });
  it('expands a parent run to its children, moves columns by drag and keyboard, comes back after a reload as it was, and registers a model from a row', async () => {
    // The shared test server (other tests' data on it too): a fresh experiment of a few runs is all this needs.
    const { url } = await useMlflowServer();
    const unique = Date.now().toString(36);
    const experimentName = `ui-runs-table-nested-${unique}`;
    const modelName = `ui-runs-table-model-${unique}`;
    // A parent with three nested runs (started a minute apart: newest first, the table shows trial-2, trial-1, trial-0),
    // and a run with a model folder as mlflow.pyfunc.log_model leaves it (its MLmodel marks it as a model).
    const client = new MlflowRestClient({ baseUrl: url, timeoutMs: 240_000 });
    const experimentId = await client.createExperiment(experimentName);
    const start = Date.UTC(2025, 0, 1);
    const parent = await client.createRun(experimentId, 'sweep-parent', { startTime: start });
    const children: string[] = [];
    for (const [i, loss] of [0.3, 0.2, 0.1].entries()) {
      const child = await client.createRun(experimentId, `trial-${i}`, { parentRunId: parent.run_id, startTime: start + (i + 1) * 60_000 });
      await client.logBatch(child.run_id, {
        params: [{ key: 'lr', value: String(10 ** -(i + 1)) }],
        metrics: [{ key: 'loss', value: loss, timestamp: start, step: 0 }],
      });
      await client.updateRun(child.run_id, 'FINISHED');
      children.unshift(child.run_id);
    }
    await client.updateRun(parent.run_id, 'FINISHED');
    const nested = { parent: parent.run_id, children };
    const model = await client.createRun(experimentId, 'model-run', { startTime: start + 10 * 60_000 });
    await client.uploadArtifact(model.run_id, 'model/MLmodel', 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n');
    await client.updateRun(model.run_id, 'FINISHED');
    const workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url }, env });
    open.push(workbench);
    await workbench.runCommand('MLflow: Open Runs Table');
    const item = workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: experimentName }).first();
    await item.waitFor({ timeout: 180_000 });
    await item.click();
    await workbench.page.keyboard.press('Enter');
    let view = workbench.webview();
    describeTable = async () => {
      await workbench.screenshot('runs-table-nested-failure');
      return `rows: ${await view
        .locator('.grid-body')
        .innerText({ timeout: 5000 })
        .then((t) => t.slice(0, 500))}`;
    };
    const parentRow = () => view.locator(`.grid-body .grid-row:not(.child-row)[data-run-id="${nested.parent}"]`);
    const childRows = `.grid-body .grid-row.child-row[data-parent="${nested.parent}"]`;
    await parentRow().waitFor({ timeout: 180_000 });
    assert.equal(await view.locator('.run-count').textContent(), '5 matching runs');
    // Once the extension has read the child runs, only the parent keeps its ▸ (no ▸ on runs without children).
    await until(
      'the runs with a ▸',
      () =>
        view
          .locator('.grid-body .grid-row:not(.child-row) .expander')
          .evaluateAll((els) => els.map((e) => e.closest('.grid-row')?.getAttribute('data-run-id'))),
      [nested.parent],
    );

    // The parent's ▸ reads its children from the server and draws them right under it, in the table's order.
    await parentRow().locator('.expander').click();
    await until('children under the parent', () => drawnIds(view, childRows), nested.children);
    assert.equal(await parentRow().getAttribute('aria-expanded'), 'true');
    const parentIndex = Number(await parentRow().getAttribute('data-index'));
    const childIndexes = await view.locator(childRows).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))).sort((a, b) => a - b));
    assert.deepEqual(childIndexes, [parentIndex + 1, parentIndex + 2, parentIndex + 3]);
    await workbench.screenshot('runs-table-nested-dark');

    // Drag the Duration header onto the left half of Run name: Duration comes first.
    const source = await view.locator('.col-header[data-col="attributes.duration"] .col-label').boundingBox();
    const target = await view.locator('.col-header[data-col="attributes.run_name"]').boundingBox();
    assert.ok(source && target, 'both headers are on screen');
    await workbench.page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
    await workbench.page.mouse.down();
    await workbench.page.mouse.move(target.x + 12, target.y + target.height / 2, { steps: 10 });
    await workbench.page.mouse.up();
    await until('headers after the drag', async () => (await headerIds(view)).slice(0, 3), ['attributes.duration', 'attributes.run_name', 'attributes.status']);
    // The keyboard: Alt+Right twice on the focused header moves it two places right.
    const durationLabel = view.locator('.col-header[data-col="attributes.duration"] .col-label');
    await durationLabel.focus();
    await durationLabel.press('Alt+ArrowRight');
    await until('headers after Alt+Right', async () => (await headerIds(view)).slice(0, 3), [
      'attributes.run_name',
      'attributes.duration',
      'attributes.status',
    ]);
    await view.locator('.col-header[data-col="attributes.duration"] .col-label').press('Alt+ArrowRight');
    await until('headers after a second Alt+Right', async () => (await headerIds(view)).slice(0, 4), [
      'attributes.run_name',
      'attributes.status',
      'attributes.duration',
      'attributes.start_time',
    ]);

    // Select the model's run, then reload the window: the table comes back as it was.
    await view.locator(`.grid-body .grid-row:not(.child-row)[data-run-id="${model.run_id}"] .cell[data-col="attributes.run_name"]`).click();
    assert.equal(await view.locator('.selection-count').textContent(), '1 selected');
    const reloaded = workbench.page.waitForEvent('load', { timeout: 120_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await workbench.page.locator('.tabs-container .tab', { hasText: `Runs: ${experimentName}` }).waitFor({ timeout: 180_000 });
    view = workbench.webview();
    await parentRow().waitFor({ timeout: 180_000 });
    await until('children restored under the parent', () => drawnIds(view, childRows), nested.children);
    await until('selection restored', async () => view.locator('.selection-count').textContent(), '1 selected');
    assert.deepEqual((await headerIds(view)).slice(0, 4), ['attributes.run_name', 'attributes.status', 'attributes.duration', 'attributes.start_time']);

    // Register Model… on the selected row: the Runs view's own command, for that run's logged model.
    await view.locator('.action-bar button', { hasText: 'Register Model' }).click();
    const input = workbench.page.locator('.quick-input-widget input');
    const title = workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: /Register which model|Register as/ });
    await title.waitFor({ timeout: 60_000 });
    // A run with more than one model (a logged model and its artifact folder) asks which first.
    if ((await title.innerText()).startsWith('Register which model')) await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Register as' }).waitFor({ timeout: 60_000 });
    await input.fill(modelName);
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: modelName }).first().waitFor({ timeout: 20_000 });
    await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'description of the new version' }).waitFor({ timeout: 20_000 });
    await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'tags of the new version' }).waitFor({ timeout: 20_000 });
    await workbench.page.keyboard.press('Enter');
    await workbench.notification(`Registered ${modelName} version 1`).waitFor({ timeout: 60_000 });
    const versions = await client.searchModelVersions({ filter: `name = '${modelName}'` });
    assert.deepEqual(
      versions.items.map((v) => v.run_id),
      [model.run_id],
    );
  });
});
