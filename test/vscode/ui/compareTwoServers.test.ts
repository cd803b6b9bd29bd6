// Runs of two tracking connections in one compare panel: local runs (logged by MLflow's own client,
// images included) beside a Databricks twin (the workspace emulator in front of the real MLflow
// server), each read from its own server, labelled by server, grouped across servers, diffed against
// a baseline, and their logged images side by side with a step slider. The local connection goes
// through a gate in front of the real server that holds history requests back, so the test can see
// the first chart drawn while the others still show their spinner.
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../databricksEmulator/databricksEmulator';
import { proxyToMlflow } from '../../databricksEmulator/mlflowProxy';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture, repoRoot, venvPython } from '../../support/repoPaths';
import { runVenvPython } from '../../support/venvPythonRun';
import { waitUntil } from '../../support/waitUntil';
import { Workbench } from '../../support/workbench';

const TOKEN = 'dapi-ui-compare-0001';
const HISTORY_PATH = /\/metrics\/get-history/;

/**
 * A proxy in front of the real MLflow server that holds metric history requests until their metric
 * is let through (`pass`) or the gate opens (`open`); every other request goes straight on.
 */
class HistoryGate {
  /** Metric keys of history requests, in the order they first arrived. */
  readonly keysSeen: string[] = [];
  /** Every history request's URL (path and query). */
  readonly historyUrls: string[] = [];
  private readonly passing = new Set<string>();
  private opened = false;
  private readonly held: { key: string; go: () => void }[] = [];
  private readonly server: http.Server;
  url = '';

  constructor(private readonly upstream: string) {
    this.server = http.createServer((req, res) => {
      const parsed = new URL(req.url ?? '/', 'http://gate');
      const forward = () => proxyToMlflow(this.upstream, req, res);
      if (!HISTORY_PATH.test(parsed.pathname)) return forward();
      const key = parsed.searchParams.get('metric_key') ?? '';
      this.historyUrls.push(req.url ?? '');
      if (!this.keysSeen.includes(key)) this.keysSeen.push(key);
      if (this.opened || this.passing.has(key)) return forward();
      this.held.push({ key, go: forward });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  heldKeys(): string[] {
    return this.held.map((h) => h.key);
  }

  pass(key: string): void {
    this.passing.add(key);
    this.flush((h) => h.key === key);
  }

  open(): void {
    this.opened = true;
    this.flush(() => true);
  }

  private flush(which: (h: { key: string }) => boolean): void {
    for (const h of this.held.filter(which)) {
      this.held.splice(this.held.indexOf(h), 1);
      h.go();
    }
  }

  async stop(): Promise<void> {
    this.open();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One run with params lr/model, tag team and 120 steps of loss, acc and val/loss. */
async function logRun(client: MlflowRestClient, experimentId: string, name: string, lr: string, team: string): Promise<string> {
  const run = await client.createRun(experimentId, name);
  const scale = Number(lr) * 10;
  const t0 = Date.now() - 60_000;
  const metrics = Array.from({ length: 120 }, (_, step) => [
    { key: 'loss', value: scale * Math.exp(-step / 40) + 0.05, timestamp: t0 + step * 100, step },
    { key: 'acc', value: 1 - Math.exp(-step / 30) / (1 + scale), timestamp: t0 + step * 100, step },
    { key: 'val/loss', value: scale * Math.exp(-step / 50) + 0.1, timestamp: t0 + step * 100, step },
  ]).flat();
  await client.logBatch(run.run_id, {
    metrics,
    params: [
      { key: 'lr', value: lr },
      { key: 'model', value: 'mlp' },
    ],
    tags: [{ key: 'team', value: team }],
  });
  await client.updateRun(run.run_id, 'FINISHED');
  return run.run_id;
}

describe('Compare runs of two tracking servers (real VS Code, real MLflow server, Databricks emulator)', () => {
  let emulator: DatabricksEmulator;
  let gate: HistoryGate;
  let workbench: Workbench;
  const localExperiment = uniqueName('ui-cmp2-local');
  const dbxExperiment = uniqueName('/Users/ui-cmp2/twin');
  let dbxRunId = '';
  let localIds: Record<string, string> = {};

  before(async () => {
    const { url } = await useMlflowServer();
    gate = new HistoryGate(url);
    await gate.start();
    emulator = await startDatabricksEmulator({ mlflowTrackingUri: url, python: venvPython, tokens: [TOKEN] });
    // The local runs, logged by real MLflow (mlflow.log_image with steps, an image artifact).
    const script = path.join(repoRoot, 'test', 'support', 'logImageRuns.py');
    localIds = JSON.parse(await runVenvPython([script, url, localExperiment, 'cmp2-local-a:0.1:x', 'cmp2-local-b:0.05:y'])) as Record<string, string>;
    // The Databricks twin of local-a, logged through the workspace.
    const workspace = new MlflowRestClient({ baseUrl: emulator.url, token: TOKEN });
    dbxRunId = await logRun(workspace, await workspace.createExperiment(dbxExperiment), 'cmp2-dbx-twin', '0.2', 'x');
    workbench = await Workbench.open({
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': gate.url, 'mlflow.connections': [{ name: 'Workspace', trackingUri: 'databricks' }] },
      env: { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: TOKEN, DATABRICKS_CONFIG_PROFILE: '' },
    });
  });
  after(async () => {
    await workbench?.close();
    await emulator?.stop();
    await gate?.stop();
  });

  it('first chart drawn while the others load; a Databricks run added from its own connection; a group band and a baseline diff across servers', async () => {
    const page = workbench.page;
    await workbench.openViewContainer('MLflow');
    await workbench.expand('Runs', localExperiment);
    // Select the two local runs (keyboard focus reveals them, then click and ctrl-click) and compare.
    await workbench.focusTreeRow('Runs', 'cmp2-local-a');
    const rows = ['cmp2-local-a', 'cmp2-local-b'].map((name) => workbench.treeItem('Runs', name));
    await rows[0].click();
    await rows[1].click({ modifiers: ['Control'] });
    for (const row of rows) assert.equal(await row.getAttribute('aria-selected'), 'true');
    await workbench.runCommand('MLflow: Compare Selected Runs');
    const view = workbench.webview();
    await view.locator('table.params tr.differs', { hasText: 'lr' }).waitFor({ timeout: 60_000 });

    // The gate holds every history request: the Charts tab shows a spinner on every card.
    const firstKey = await waitUntil('a history request', () => gate.keysSeen[0], { timeoutMs: 60_000 });
    await view.locator('#tab-charts').click();
    const cards = view.locator('.chart[data-metric]');
    await cards.nth(2).waitFor({ timeout: 30_000 });
    const cardKeys = await cards.evaluateAll((els) => els.map((el) => el.getAttribute('data-metric')));
    assert.deepEqual([...cardKeys].sort(), ['acc', 'loss', 'val/loss']);
    // Only the first metric is let through: its card is drawn while the others still spin.
    gate.pass(firstKey);
    await view.locator(`.chart[data-metric="${firstKey}"][data-state="drawn"]`).waitFor({ timeout: 30_000 });
    const others = cardKeys.filter((k) => k !== firstKey);
    for (const key of others) {
      const card = view.locator(`.chart[data-metric="${key}"]`);
      assert.equal(await card.getAttribute('data-state'), 'loading', `card ${key} while its history is held back`);
      assert.equal(await card.locator('.spinner').count(), 1, `spinner of ${key}`);
    }
    // What the cards showed is what the gate did: the others' requests were (still) held back.
    await waitUntil('the other metrics asked for', () => others.every((k) => gate.keysSeen.includes(k)) || undefined, { timeoutMs: 30_000 });
    assert.ok(gate.heldKeys().length > 0, 'the other histories were held while the first card was drawn');
    await workbench.screenshot('compare-first-chart-dark');
    gate.open();
    for (const key of cardKeys) await view.locator(`.chart[data-metric="${key}"][data-state="drawn"]`).waitFor({ timeout: 60_000 });

    // Cards move within their section and change size (the layout is saved per experiment).
    const modelCards = () =>
      view.locator('.metric-section[data-section="Model metrics"] .chart[data-metric]').evaluateAll((els) => els.map((el) => el.getAttribute('data-metric')));
    assert.deepEqual(await modelCards(), ['acc', 'loss']);
    await view.locator('button[aria-label="Move loss earlier"]').click();
    await waitUntil('loss moved before acc', async () => (await modelCards()).join() === 'loss,acc' || undefined, {
      timeoutMs: 30_000,
      lastState: async () => (await modelCards()).join(),
    });
    await view.locator('button[aria-label="Resize loss"]').click();
    await view.locator('.chart[data-metric="loss"][data-height="450"][data-state="drawn"]').waitFor({ timeout: 30_000 });

    // From the Runs view of the Databricks connection: Add to Comparison. The local connection is
    // collapsed first (it lists the same experiments: the workspace fronts the same MLflow server).
    const localLabel = `MLflow ${new URL(gate.url).host}`;
    await workbench.focusRow('Runs', new RegExp(`^${localLabel.replace(/\./g, '\\.')}`));
    await page.keyboard.press('ArrowLeft');
    await workbench.revealBelowFocus('Runs', /^Workspace/);
    await workbench.revealBelowFocus('Runs', dbxExperiment);
    await workbench.expand('Runs', dbxExperiment);
    await workbench.revealBelowFocus('Runs', 'cmp2-dbx-twin');
    const historiesBefore = emulator.requests.length;
    assert.equal(emulator.requests.filter((r) => HISTORY_PATH.test(r.path)).length, 0, 'no history asked of the workspace before the twin is added');
    await workbench.contextMenu('Runs', 'cmp2-dbx-twin', 'Add to Comparison');

    // The panel now holds three runs, each labelled by its server.
    const legend = view.locator('.chart[data-metric="loss"] .u-legend tr.u-series .u-label');
    await waitUntil('the twin in the loss chart', async () => (await legend.allInnerTexts()).includes('cmp2-dbx-twin (Workspace)'), {
      timeoutMs: 60_000,
      lastState: async () => (await legend.allInnerTexts()).join(', '),
    });
    assert.deepEqual(
      (await legend.allInnerTexts()).slice(1).sort(),
      [`cmp2-local-a (${localLabel})`, `cmp2-local-b (${localLabel})`, 'cmp2-dbx-twin (Workspace)'].sort(),
    );
    assert.match(await view.locator('header h1').innerText(), new RegExp(`^3 runs on ${localLabel.replace(/\./g, '\\.')} and Workspace`));
    // Each series came from its own server: the twin's history through the workspace, none of it through the local connection.
    // (The twin is the panel's only run of the workspace, which had been asked for no history before it was added.)
    assert.ok(
      emulator.requests.slice(historiesBefore).some((r) => HISTORY_PATH.test(r.path)),
      "the workspace was asked for the twin's history",
    );
    assert.ok(!gate.historyUrls.some((u) => u.includes(dbxRunId)), "the local server was not asked for the twin's history");

    // Group by the tag team: team=x holds a local run and its Databricks twin, drawn as a mean with a min-max band.
    await view.locator('.group-controls vscode-dropdown').click();
    await view.locator('.group-controls vscode-option', { hasText: 'tag team' }).click();
    const grouped = view.locator('.chart[data-metric="loss"][data-groups="2"]');
    await grouped.waitFor({ timeout: 30_000 });
    const groupLabels = await grouped.locator('.u-legend .u-label').allInnerTexts();
    assert.ok(groupLabels.includes('team=x (2 runs)') && groupLabels.includes('team=y (1 run)'), `legend: ${groupLabels.join(', ')}`);
    await workbench.screenshot('compare-two-servers-groups-dark');
    // Grouped: a box plot of a metric's latest values per group, its figures in a table.
    const box = view.locator('.box-plot[data-groups="2"]');
    await box.waitFor({ timeout: 30_000 });
    assert.equal(await box.locator('tr[data-group="team=x"] td').first().innerText(), '2');
    assert.equal(await box.locator('tr[data-group="team=y"] td').first().innerText(), '1');

    // A y-axis expression over metrics becomes a chart of its own (a bad one is refused, saying why).
    const expression = view.locator('vscode-text-field[name="y-expression"] input');
    await expression.fill('loss ^ 2');
    await view.locator('.expression-controls vscode-button', { hasText: 'Add chart' }).click();
    await view.locator('.expression-error', { hasText: 'Use ** for a power' }).waitFor({ timeout: 30_000 });
    await expression.fill('"val/loss" - loss');
    await view.locator('.expression-controls vscode-button', { hasText: 'Add chart' }).click();
    const exprCard = view.locator('.chart[data-expression=\'"val/loss" - loss\']');
    await view.locator('.chart[data-expression=\'"val/loss" - loss\'][data-state="drawn"]').waitFor({ timeout: 60_000 });
    assert.equal(await exprCard.locator('.u-title').innerText(), '"val/loss" - loss');
    // Ignore outliers and the x axis by another metric re-draw the cards.
    await view.locator('.chart-controls vscode-checkbox', { hasText: 'Ignore outliers' }).click();
    await view.locator('.chart[data-metric="loss"][data-outliers="ignored"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    await view.locator('.chart-controls label', { hasText: 'X axis' }).locator('vscode-dropdown').click();
    await view.locator('.chart-controls vscode-option', { hasText: 'Metric acc' }).click();
    await view.locator('.chart[data-metric="loss"][data-x="metric:acc"][data-state="drawn"]').waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('.chart[data-metric="loss"] .u-legend tr.u-series .u-label').first().innerText(), 'acc');
    await workbench.screenshot('compare-expression-dark');

    // Baseline diff against the local run: the twin's values with their change.
    await view.locator('#tab-baseline').click();
    await view.locator('.baseline-view label', { hasText: 'Baseline run' }).locator('vscode-dropdown').click();
    await view.locator('.baseline-view vscode-option', { hasText: 'cmp2-local-a' }).click();
    await view.locator('table.baseline th.baseline', { hasText: `cmp2-local-a (${localLabel}) (baseline)` }).waitFor({ timeout: 30_000 });
    const columns = (await view.locator('table.baseline thead th').allInnerTexts()).slice(1).map((t) => t.trim());
    const lr = (await view.locator('table.baseline tr[data-section="param"][data-key="lr"] td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(lr[columns.indexOf('cmp2-dbx-twin (Workspace)')], '0.2 +0.1 (+100%)');
    assert.equal(lr[columns.indexOf(`cmp2-local-b (${localLabel})`)], '0.05 \u22120.05 (\u221250%)');
    await workbench.screenshot('compare-two-servers-baseline-dark');

    // Images: the key "samples" logged at steps 0, 5 and 10 by both local runs, side by side; the twin logged none.
    await view.locator('#tab-images').click();
    const samples = view.locator('.image-key[data-key="samples"]');
    await samples.waitFor({ timeout: 60_000 });
    assert.equal(await samples.getAttribute('data-step'), '10', 'the slider starts on the last step');
    const cell = (name: string) => samples.locator(`figure.image-cell[data-run="${localIds[name]}"]`);
    for (const name of ['cmp2-local-a', 'cmp2-local-b']) {
      await samples.locator(`figure.image-cell[data-run="${localIds[name]}"][data-state="loaded"]`).waitFor({ timeout: 60_000 });
      assert.equal(await cell(name).getAttribute('data-step'), '10');
      const width = await cell(name)
        .locator('img')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      assert.ok(width > 0, `${name}: the image is decoded (${width} px wide)`);
    }
    assert.match(await samples.locator(`figure.image-cell[data-run="${dbxRunId}"]`).innerText(), /no image up to step 10/);
    // The slider goes to the first step: every cell shows the image logged at step 0.
    await samples.locator('input[type="range"]').focus();
    await page.keyboard.press('Home');
    await view.locator('.image-key[data-key="samples"][data-step="0"]').waitFor({ timeout: 30_000 });
    for (const name of ['cmp2-local-a', 'cmp2-local-b']) {
      await samples.locator(`figure.image-cell[data-run="${localIds[name]}"][data-step="0"][data-state="loaded"]`).waitFor({ timeout: 60_000 });
    }
    // The image artifact plots/roc.png of both local runs, and a dash for the twin.
    const roc = view.locator('.image-artifact[data-path="plots/roc.png"]');
    await roc.locator('figure.image-cell[data-state="loaded"]').nth(1).waitFor({ timeout: 60_000 });
    assert.equal(await roc.locator('figure.image-cell img').count(), 2);
    await workbench.screenshot('compare-images-dark');
  });
});
