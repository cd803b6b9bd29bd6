import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import type { ComparePanel } from '../../../src/extension/compare/comparePanel';
import type { ExplorerNode } from '../../../src/extension/explorer/explorerNodes';
import type { ToWebviewMessage } from '../../../webview/contract';
import { activatedApi } from './activatedApi';
import { nextMessage } from './panelMessages';

/** Seeded by the outer test (test/vscode/compare.test.ts). */
const experimentName = process.env.MLFLOW_WB_COMPARE_EXPERIMENT!;
const liveRunId = process.env.MLFLOW_WB_COMPARE_LIVE_RUN!;

type RunNode = Extract<ExplorerNode, { type: 'run' }>;
type RunsMessage = Extract<ToWebviewMessage, { type: 'runs' }>;

function api(): Promise<MlflowWorkbenchApi> {
  return activatedApi('a connection has a client', (api) => api.connections.all().some((c) => c.client));
}

async function runNodes(): Promise<RunNode[]> {
  const { runsTree } = await api();
  const [connection] = await runsTree.getChildren();
  const experiment = (await runsTree.getChildren(connection)).find((n) => n.type === 'experiment' && n.experiment.name === experimentName);
  assert.ok(experiment, `experiment ${experimentName} not in the tree`);
  return (await runsTree.getChildren(experiment)).filter((n): n is RunNode => n.type === 'run');
}

function byName(nodes: RunNode[], ...names: string[]): RunNode[] {
  return names.map((name) => {
    const node = nodes.find((n) => n.run.info.run_name === name);
    assert.ok(node, `no run ${name} among ${nodes.map((n) => n.run.info.run_name).join(', ')}`);
    return node;
  });
}

const isRuns = (m: ToWebviewMessage): m is RunsMessage => m.type === 'runs';

suite('compare panel in the extension host', () => {
  let panel: ComparePanel;

  suiteTeardown(() => panel?.dispose());

  test('three selected run nodes open a webview whose params put the differing row first', async () => {
    const nodes = byName(await runNodes(), 'trial-a', 'trial-b', 'trial-c');
    panel = (await vscode.commands.executeCommand<ComparePanel>('mlflow.compareRuns', nodes[0], nodes))!;
    assert.ok(panel, 'the command returned no panel');
    assert.equal(panel.panel.viewType, 'mlflow.compare');
    // The real webview (in the browser) loads compare.js and says it is ready.
    await Promise.race([panel.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('webview never sent ready')), 30_000))]);
    const runs = await nextMessage(panel, isRuns);
    assert.deepEqual(
      runs.comparison.runs.map((r) => r.name),
      ['trial-a', 'trial-b', 'trial-c'],
    );
    assert.deepEqual(
      runs.comparison.params.map((p) => [p.key, p.differs]),
      [
        ['lr', true],
        ['model', false],
      ],
    );
    assert.deepEqual(runs.comparison.params[0].values, ['0.1', '0.05', '0.2']);
    const loss = runs.comparison.metrics.find((m) => m.key === 'loss')!;
    assert.equal(loss.higherIsBetter, false);
    assert.equal(runs.comparison.runs[loss.best].name, 'trial-b');

    const html = panel.panel.webview.html;
    assert.match(html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src [^;]+ 'nonce-/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    // Every URL in the page is a webview resource under dist/webview: nothing remote.
    const extensionUri = vscode.extensions.getExtension('mlflow-workbench.mlflow-workbench')!.extensionUri;
    const allowed = panel.panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview')).toString();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(urls.length, 2);
    for (const url of urls) assert.ok(url.startsWith(allowed + '/'), `${url} is not under ${allowed}`);
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<style>/, 'no inline script or style');
    const roots = panel.panel.webview.options.localResourceRoots ?? [];
    assert.equal(roots.length, 1);
    assert.match(roots[0].path, /\/dist\/webview$/);
  });

  test('malformed webview messages are ignored, valid ones answered', async () => {
    // The real webview may say `ready` again at any time (and get the runs again): only answers count.
    const answers: ToWebviewMessage[] = [];
    const sub = panel.onDidPost((m) => {
      if (m.type !== 'runs' && m.type !== 'loading') answers.push(m);
    });
    try {
      await panel.handleMessage({ type: 'copy' });
      await panel.handleMessage({ type: 'runShell', command: 'rm -rf /' });
      await panel.handleMessage('ready');
      assert.equal(answers.length, 0, `a malformed message got an answer: ${JSON.stringify(answers)}`);
      await panel.handleMessage({ type: 'copy', text: 'lr\t0.1' });
      assert.equal(await vscode.env.clipboard.readText(), 'lr\t0.1');
      assert.deepEqual(
        answers.map((m) => m.type),
        ['notice'],
      );
    } finally {
      sub.dispose();
    }
  });

  test('loadHistories answers one sampled series per run', async () => {
    const answer = nextMessage(
      panel,
      (m): m is Extract<ToWebviewMessage, { type: 'histories' }> => m.type === 'histories' && m.requestId === 42,
      30_000,
      false,
    );
    await panel.handleMessage({ type: 'loadHistories', requestId: 42, metricKeys: ['loss'], maxPoints: 100 });
    const histories = await answer;
    assert.deepEqual(histories.metricKeys, ['loss']);
    assert.equal(histories.source, 'bulk');
    assert.deepEqual(histories.errors, []);
    assert.equal(histories.series.length, 3);
    for (const s of histories.series) {
      assert.equal(s.metricKey, 'loss');
      // Columns of one length, as Float64Arrays (postMessage carries them as binary).
      assert.ok(s.steps instanceof Float64Array && s.timestamps instanceof Float64Array && s.values instanceof Float64Array);
      assert.ok(s.steps.length <= 100 && s.steps.length >= 50, `${s.steps.length} points`);
      assert.equal(s.timestamps.length, s.steps.length);
      assert.equal(s.values.length, s.steps.length);
      assert.equal(s.steps[0], 0);
      assert.equal(s.steps.at(-1), 299);
    }
    // A zoom asks again for its steps only: every step of the range, marked as the range's detail.
    const zoomed = nextMessage(
      panel,
      (m): m is Extract<ToWebviewMessage, { type: 'histories' }> => m.type === 'histories' && m.requestId === 43,
      30_000,
      false,
    );
    await panel.handleMessage({ type: 'loadHistories', requestId: 43, metricKeys: ['loss'], maxPoints: 100, range: { startStep: 100, endStep: 149 } });
    const detail = await zoomed;
    assert.deepEqual(detail.range, { startStep: 100, endStep: 149 });
    assert.equal(detail.series.length, 3);
    for (const s of detail.series) assert.deepEqual([s.steps.length, s.steps[0], s.steps.at(-1), s.sampled], [50, 100, 149, false]);
    // The new steps of running runs (a range without `zoom`) still come when a zoom of that metric starts meanwhile.
    const answered = (requestId: number) =>
      nextMessage(panel, (m): m is Extract<ToWebviewMessage, { type: 'histories' }> => m.type === 'histories' && m.requestId === requestId, 30_000, false);
    const grown = answered(44);
    const zoomedAgain = answered(45);
    const polling = panel.handleMessage({
      type: 'loadHistories',
      requestId: 44,
      metricKeys: ['loss'],
      maxPoints: 100,
      range: { startStep: 250, endStep: 299 },
    });
    await panel.handleMessage({
      type: 'loadHistories',
      requestId: 45,
      metricKeys: ['loss'],
      maxPoints: 100,
      range: { startStep: 0, endStep: 9 },
      zoom: 'loss',
    });
    await polling;
    assert.deepEqual((await grown).range, { startStep: 250, endStep: 299 });
    assert.deepEqual((await zoomedAgain).range, { startStep: 0, endStep: 9 });
  });

  test('flipping a metric to higher-is-better moves the best mark and is remembered', async () => {
    const flipped = nextMessage(
      panel,
      (m): m is RunsMessage => isRuns(m) && m.comparison.metrics.some((x) => x.key === 'loss' && x.higherIsBetter),
      10_000,
      false,
    );
    await panel.handleMessage({ type: 'setBetter', metric: 'loss', higherIsBetter: true });
    const runs = await flipped;
    const loss = runs.comparison.metrics.find((m) => m.key === 'loss')!;
    assert.equal(runs.comparison.runs[loss.best].name, 'trial-c');
    // A new panel starts with the remembered direction.
    const nodes = byName(await runNodes(), 'trial-a', 'trial-b');
    const second = (await vscode.commands.executeCommand<ComparePanel>('mlflow.compareRuns', nodes[0], nodes))!;
    const secondRuns = await nextMessage(second, isRuns);
    assert.equal(secondRuns.comparison.metrics.find((m) => m.key === 'loss')!.higherIsBetter, true);
    await panel.handleMessage({ type: 'setBetter', metric: 'loss', higherIsBetter: false });
    second.dispose();
  });

  test('a RUNNING run is polled until it ends; parent children open from a child run', async () => {
    const nodes = await runNodes();
    const [live, trial] = byName(nodes, 'live-run', 'trial-a');
    assert.equal(live.run.info.run_id, liveRunId);
    const polled = (await vscode.commands.executeCommand<ComparePanel>('mlflow.compareRuns', live, [live, trial]))!;
    const first = await nextMessage(polled, isRuns);
    assert.equal(first.refreshing, true);
    const ended = nextMessage(polled, (m): m is RunsMessage => isRuns(m) && !m.refreshing, 30_000, false);
    await live.connection.client!.updateRun(liveRunId, 'FINISHED');
    const last = await ended;
    assert.equal(last.comparison.runs.find((r) => r.runId === liveRunId)!.status, 'FINISHED');
    polled.dispose();

    const { runsTree } = await api();
    const [sweep] = byName(nodes, 'sweep');
    const childGroup = (await runsTree.getChildren(sweep)).find((g) => g.type === 'group' && g.group === 'children')!;
    const child = (await runsTree.getChildren(childGroup)).find((n): n is RunNode => n.type === 'run')!;
    const family = (await vscode.commands.executeCommand<ComparePanel>('mlflow.compareWithParentChildren', child))!;
    const familyRuns = await nextMessage(family, isRuns);
    assert.deepEqual(
      familyRuns.comparison.runs.map((r) => r.name),
      ['fold-1', 'fold-2'],
    );
    family.dispose();
  });
});
