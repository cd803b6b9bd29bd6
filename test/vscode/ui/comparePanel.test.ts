import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { copyFixture } from '../../support/repoPaths';
import { backgroundLuminance, Workbench } from '../../support/workbench';
import { useMlflowServer } from '../../support/mlflowServer';
import { seedCompareRuns } from '../../support/seedTracking';
import { waitUntil } from '../../support/waitUntil';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';

/** Steps of train/loss and system/cpu: more than the 500 points per run a chart's overview holds (it is sampled). */
const LONG_STEPS = 1200;

/**
 * Gives trial-a/b/c what the Charts tab's sections and groups show: metrics under `train/` and
 * `system/` (long histories: their charts are sampled, a zoom loads the detail), and a tag `team`
 * shared by two of them (x, x, y).
 */
async function addSectionsAndGroups(url: string, experimentName: string): Promise<void> {
  const client = new MlflowRestClient({ baseUrl: url });
  const experiment = (await client.getExperimentByName(experimentName))!;
  const { items: runs } = await client.searchRuns({ experimentIds: [experiment.experiment_id] });
  const t0 = Date.now() - 30_000;
  for (const [name, team, scale] of [
    ['trial-a', 'x', 1],
    ['trial-b', 'x', 2],
    ['trial-c', 'y', 3],
  ] as const) {
    const run = runs.find((r) => r.info.run_name === name)!;
    const metrics = Array.from({ length: LONG_STEPS }, (_, step) => [
      { key: 'train/loss', value: scale / (1 + step), timestamp: t0 + step * 10, step },
      { key: 'system/cpu', value: 10 * scale + step, timestamp: t0 + step * 10, step },
    ]).flat();
    // MLflow takes at most 1000 metrics, params and tags per log-batch.
    for (let i = 0; i < metrics.length; i += 900) {
      await client.logBatch(run.info.run_id, { metrics: metrics.slice(i, i + 900), tags: i === 0 ? [{ key: 'team', value: team }] : [] });
    }
  }
}

/** Selects trial-a, trial-b, trial-c in the Runs tree (click, ctrl-click) and runs the compare command. */
async function openComparison(workbench: Workbench, experimentName: string): Promise<void> {
  await workbench.openViewContainer('MLflow');
  await workbench.expand('Runs', experimentName);
  const rows = ['trial-a', 'trial-b', 'trial-c'].map((name) => workbench.treeItem('Runs', name));
  // The keyboard focus reveals the runs (the list scrolls to them); then the mouse selects them in
  // order, with no key pressed in between (arrow keys move the selection too).
  await workbench.focusTreeRow('Runs', 'trial-a');
  await rows[0].click();
  await rows[1].click({ modifiers: ['Control'] });
  await rows[2].click({ modifiers: ['Control'] });
  for (const row of rows) assert.equal(await row.getAttribute('aria-selected'), 'true');
  await workbench.runCommand('MLflow: Compare Selected Runs');
}

describe('Compare runs panel (real VS Code, real MLflow server)', () => {
  const open: Workbench[] = [];
  after(async () => {
    for (const w of open) await w.close();
  });

  it('dark theme: differing param highlighted, one chart series per run, keyboard tabs, toolkit controls, no CSP violation', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'ui-compare');
    await addSectionsAndGroups(url, seeded.experimentName);
    const workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url } });
    open.push(workbench);
    // Console messages of every frame, the webview's included: CSP violations are reported there.
    const cspReports: string[] = [];
    workbench.page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspReports.push(`${message.text()} (at ${JSON.stringify(message.location())})`);
    });
    await openComparison(workbench, seeded.experimentName);
    const view = workbench.webview();
    const differing = view.locator('table.params tr.differs', { hasText: 'lr' });
    await differing.waitFor({ timeout: 60_000 });
    // One value per run (the columns follow the order the runs were selected in).
    assert.deepEqual((await differing.innerText()).trim().split(/\s+/).slice(1).sort(), ['0.05', '0.1', '0.2']);
    // The identical row is there, after the differing one, and not highlighted.
    const rows = view.locator('table.params tbody tr');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-key'), tr.classList.contains('differs')])), [
      ['lr', true],
      ['model', false],
    ]);
    // The workbench and the webview really are dark (not VS Code web's light start-up placeholder).
    for (const [what, element] of [
      ['side bar', workbench.page.locator('.part.sidebar')],
      ['webview body', view.locator('body')],
    ] as const) {
      const luminance = await backgroundLuminance(element);
      assert.ok(luminance < 0.1, `${what} background luminance ${luminance.toFixed(3)} is not dark`);
    }
    await workbench.screenshot('compare-params-dark');

    // The key filter (a toolkit text field) hides the rows whose key does not contain the text, as you type.
    const filter = view.locator('vscode-text-field[name="key-filter"] input');
    const visibleKeys = () => view.locator('table.params tbody tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    await filter.fill('MOD');
    assert.deepEqual(await visibleKeys(), ['model']);
    await filter.fill('');
    assert.deepEqual(await visibleKeys(), ['lr', 'model']);

    // Arrow keys move between tabs: Params → Metrics → Tags → Charts → Images → Baseline diff.
    await view.locator('#tab-params').focus();
    await workbench.page.keyboard.press('ArrowRight');
    await view.locator('table.metrics td.best').first().waitFor();
    assert.equal(await view.locator('#tab-metrics').getAttribute('aria-selected'), 'true');
    await workbench.page.keyboard.press('End');
    assert.equal(await view.locator('#tab-baseline').getAttribute('aria-selected'), 'true');
    await workbench.page.keyboard.press('ArrowLeft');
    assert.equal(await view.locator('#tab-images').getAttribute('aria-selected'), 'true');
    await workbench.page.keyboard.press('ArrowLeft');
    assert.equal(await view.locator('#tab-charts').getAttribute('aria-selected'), 'true');

    // Metric history charts (not the scatter, which has a legend too): one legend row per run after the x row.
    for (const metric of ['acc', 'loss']) {
      const series = view.locator(`.chart[data-metric="${metric}"] .u-legend tr.u-series`);
      await series.nth(3).waitFor({ timeout: 60_000 });
      assert.equal(await series.count(), 4, `legend of ${metric}`);
      assert.deepEqual((await series.locator('.u-label').allInnerTexts()).slice(1).sort(), ['trial-a', 'trial-b', 'trial-c']);
    }
    await workbench.screenshot('compare-charts-dark');

    // The controls are the toolkit's web components, styled by constructable stylesheets (not <style>, which the CSP would block).
    for (const tag of ['vscode-panels', 'vscode-panel-tab', 'vscode-checkbox', 'vscode-dropdown', 'vscode-button']) {
      const sheets = await view
        .locator(tag)
        .first()
        .evaluate((el) => el.shadowRoot?.adoptedStyleSheets.length ?? -1);
      assert.ok(sheets > 0, `${tag}: ${sheets} adopted stylesheets`);
    }
    // A y-axis expression over the long (sampled) histories: a drag-zoom by step loads the zoomed
    // steps' detail of both metrics it reads, and the chart, computed again from it, keeps the zoom.
    const text = '"train/loss" - "system/cpu" / 100';
    await view.locator('vscode-text-field[name="y-expression"] input').fill(text);
    await view.locator('.expression-controls vscode-button', { hasText: 'Add chart' }).click();
    const exprCard = view.locator(`.chart[data-expression='${text}']`);
    await view.locator(`.chart[data-expression='${text}'][data-state="drawn"]`).waitFor({ timeout: 60_000 });
    const status = exprCard.locator('.chart-status');
    assert.match(await status.innerText(), /Sampled for display: drag to zoom in/);
    const pointsBefore = Number(await exprCard.getAttribute('data-points'));
    assert.ok(pointsBefore > 0 && pointsBefore < 3 * LONG_STEPS, `${pointsBefore} points before the zoom: sampled`);
    // Every status the card shows from now on (the refine's is brief).
    type StatusWindow = { exprStatuses: string[]; MutationObserver: new (seen: () => void) => { observe(target: unknown, options: object): void } };
    await status.evaluate((el) => {
      const win = el.ownerDocument.defaultView as unknown as StatusWindow;
      const seen: string[] = (win.exprStatuses = []);
      new win.MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, subtree: true, characterData: true });
    });
    const over = exprCard.locator('.u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await workbench.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await workbench.page.mouse.down();
    await workbench.page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 8 });
    await workbench.page.mouse.up();
    const zoom = await waitUntil('the expression chart zoomed', async () => (await exprCard.getAttribute('data-zoom')) ?? undefined, { timeoutMs: 10_000 });
    const [zoomMin, zoomMax] = zoom.split('..').map(Number);
    assert.ok(zoomMin > 100 && zoomMax < LONG_STEPS - 100 && zoomMax - zoomMin < 400, `zoomed to steps ${zoom}`);
    // The detail arrives: more points than the overview had (every step of the range, for each run), the zoom kept.
    const pointsAfter = await waitUntil(
      'the zoomed expression chart drawn from the detail',
      async () => {
        const points = Number(await exprCard.getAttribute('data-points'));
        const loading = /Loading the detail/.test(await status.innerText());
        return points > pointsBefore && !loading && (await exprCard.getAttribute('data-state')) === 'drawn' ? points : undefined;
      },
      { timeoutMs: 60_000, lastState: async () => `${await exprCard.getAttribute('data-points')} points; ${await status.innerText()}` },
    );
    const zoomedSteps = Math.floor(zoomMax) - Math.ceil(zoomMin) + 1;
    assert.ok(pointsAfter - pointsBefore >= 3 * zoomedSteps * 0.4, `${pointsBefore} → ${pointsAfter} points for ${zoomedSteps} zoomed steps of 3 runs`);
    assert.equal(await exprCard.getAttribute('data-zoom'), zoom, 'redrawn with the detail, the chart keeps its zoom');
    const statuses = await status.evaluate((el) => (el.ownerDocument.defaultView as unknown as StatusWindow).exprStatuses);
    assert.ok(
      statuses.some((t) => t.startsWith('Loading the detail of the zoomed steps')),
      `the status said the detail was loading; it said: ${statuses.join(' | ')}`,
    );
    // Double-click: the whole range again (the detail stays merged in).
    await over.dblclick();
    await waitUntil('the zoom reset', async () => (await exprCard.getAttribute('data-zoom')) === null, { timeoutMs: 10_000 });
    assert.equal(Number(await exprCard.getAttribute('data-points')), pointsAfter);
    await view.locator('.expression-chips vscode-button', { hasText: `Remove ${text}` }).click();
    await exprCard.waitFor({ state: 'detached', timeout: 30_000 });

    // The toolkit checkboxes pick the charted metrics: unticking acc removes its chart.
    await view.locator('.metric-picker vscode-checkbox', { hasText: 'acc' }).click();
    await view.locator('.chart[data-metric="acc"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await view.locator('.chart[data-metric="loss"]').count(), 1);
    // The toolkit dropdown works: Wall time re-draws the charts on a time axis.
    // By keyboard (a closed dropdown's ↓ selects the next option): the open list may sit over the charts.
    const xAxis = view.locator('.chart-controls label', { hasText: 'X axis' }).locator('vscode-dropdown');
    await xAxis.focus();
    await workbench.page.keyboard.press('ArrowDown');
    await view.locator('.chart[data-metric="loss"] .u-legend .u-label', { hasText: 'wall time' }).waitFor({ timeout: 30_000 });

    // Sections by the prefix before '/': unprefixed metrics first, system last; each card in its section.
    const sectionNames = () => view.locator('.metric-section').evaluateAll((els) => els.map((el) => el.getAttribute('data-section')));
    await view.locator('.metric-section[data-section="train"] .chart[data-metric="train/loss"][data-state="drawn"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(await sectionNames(), ['Model metrics', 'train', 'system']);
    assert.equal(await view.locator('.metric-section[data-section="Model metrics"] .chart[data-metric="loss"]').count(), 1);
    // Collapsing a section removes its cards and says so to assistive technology.
    const systemToggle = view.locator('.metric-section[data-section="system"] .section-toggle');
    await systemToggle.click();
    await view.locator('.chart[data-metric="system/cpu"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await view.locator('.metric-section[data-section="system"] .section-toggle').getAttribute('aria-expanded'), 'false');

    // Group by the tag team: one mean line with a min-max band per group (x: trial-a and trial-b; y: trial-c).
    await view.locator('.group-controls vscode-dropdown').focus();
    await workbench.page.keyboard.press('ArrowDown');
    const grouped = view.locator('.chart[data-metric="loss"][data-groups="2"]');
    await grouped.waitFor({ timeout: 30_000 });
    const groupLabels = await grouped.locator('.u-legend .u-label').allInnerTexts();
    assert.ok(groupLabels.includes('team=x (2 runs)') && groupLabels.includes('team=y (1 run)'), `legend: ${groupLabels.join(', ')}`);
    assert.ok(!groupLabels.includes('trial-a'), 'grouped: the runs are not drawn one by one');
    await workbench.screenshot('compare-groups-dark');

    // Baseline diff against trial-b: each value with its change, identical rows hidden on demand.
    await view.locator('#tab-baseline').click();
    await view.locator('.baseline-view label', { hasText: 'Baseline run' }).locator('vscode-dropdown').click();
    await view.locator('.baseline-view vscode-option', { hasText: 'trial-b' }).click();
    await view.locator('table.baseline th.baseline', { hasText: 'trial-b (baseline)' }).waitFor({ timeout: 30_000 });
    const lr = view.locator('table.baseline tr[data-section="param"][data-key="lr"]');
    const columns = (await view.locator('table.baseline thead th').allInnerTexts()).slice(1);
    const cells = (await lr.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(Object.fromEntries(columns.map((name, i) => [name.trim(), cells[i]])), {
      'trial-b (baseline)': '0.05',
      'trial-a': '0.1 +0.05 (+100%)',
      'trial-c': '0.2 +0.15 (+300%)',
    });
    assert.equal(await view.locator('table.baseline tr[data-key="model"]').count(), 1);
    await view.locator('.baseline-view vscode-checkbox', { hasText: 'Hide identical' }).click();
    await view.locator('table.baseline tr[data-key="model"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await view.locator('table.baseline tr[data-section="tag"][data-key="team"]').count(), 1);
    await workbench.screenshot('compare-baseline-dark');
    assert.equal(cspReports.length, 0, `CSP violations:\n${cspReports.join('\n')}`);
    // The check above can see a violation: an inline <style> without the nonce is refused and reported.
    await view
      .locator('body')
      .evaluate((body) => body.append(Object.assign(body.ownerDocument.createElement('style'), { textContent: 'body { color: red; }' })));
    for (let i = 0; i < 50 && cspReports.length === 0; i++) await workbench.page.waitForTimeout(100);
    assert.equal(cspReports.length, 1, `expected exactly the deliberate violation, got:\n${cspReports.join('\n')}`);
    assert.match(cspReports[0], /inline style .*Content Security Policy/);
  });

  it('comes back after a window reload with the same runs and tab (webview serializer)', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'ui-compare-reload');
    const workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.trackingUri': url } });
    open.push(workbench);
    await openComparison(workbench, seeded.experimentName);
    let view = workbench.webview();
    await view.locator('table.params tr.differs', { hasText: 'lr' }).waitFor({ timeout: 60_000 });
    const runHeaders = () => view.locator('table.metrics thead th[scope="col"]:not(.key)').allInnerTexts();
    await view.locator('#tab-metrics').click();
    await view.locator('table.metrics td.best').first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await runHeaders(), ['trial-a', 'trial-b', 'trial-c']);

    // The old page goes away; wait for the reloaded workbench, then for the restored panel's tab.
    const reloaded = workbench.page.waitForEvent('load', { timeout: 60_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const tab = workbench.page.locator('.tabs-container .tab', { hasText: 'Compare 3 runs' });
    await tab.waitFor({ timeout: 60_000 });
    view = workbench.webview();
    // The same runs, on the tab that was open (Metrics), with their data loaded again from the server.
    await view.locator('table.metrics td.best').first().waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('#tab-metrics').getAttribute('aria-selected'), 'true');
    assert.deepEqual(await runHeaders(), ['trial-a', 'trial-b', 'trial-c']);
    assert.match(await view.locator('header h1').innerText(), /^3 runs on /);
  });

  it('light theme: the same comparison looks native', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'ui-compare-light');
    const workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url, 'workbench.colorTheme': 'Default Light Modern' },
    });
    open.push(workbench);
    await openComparison(workbench, seeded.experimentName);
    const view = workbench.webview();
    await view.locator('table.params tr.differs', { hasText: 'lr' }).waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('body').evaluate((b) => b.classList.contains('vscode-light')), true);
    // The class alone is not enough: the workbench and the webview must be painted light.
    for (const [what, element] of [
      ['side bar', workbench.page.locator('.part.sidebar')],
      ['webview body', view.locator('body')],
    ] as const) {
      const luminance = await backgroundLuminance(element);
      assert.ok(luminance > 0.8, `${what} background luminance ${luminance.toFixed(3)} is not light`);
    }
    await workbench.screenshot('compare-params-light');
    await view.locator('#tab-charts').click();
    await view.locator('.chart[data-metric="loss"] .u-legend tr.u-series').nth(3).waitFor({ timeout: 60_000 });
    await workbench.screenshot('compare-charts-light');
  });
});
