import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import type { ComparePanel } from '../../../src/extension/compare/comparePanel';
import type { ExplorerNode } from '../../../src/extension/explorer/explorerNodes';
import type { RunDetailsPanel } from '../../../src/extension/runDetails/runDetailsPanel';
import type { ToRunDetailsMessage } from '../../../webview/contract';
import { activatedApi } from './activatedApi';
import { nextMessage } from './panelMessages';

/** Seeded by the outer test (test/vscode/runDetails.test.ts) with seedTracking. */
const experimentName = process.env.MLFLOW_WB_DETAILS_EXPERIMENT!;
const modelName = process.env.MLFLOW_WB_DETAILS_MODEL!;

type RunNode = Extract<ExplorerNode, { type: 'run' }>;
type DetailsMessage = Extract<ToRunDetailsMessage, { type: 'details' }>;
type ErrorMessage = Extract<ToRunDetailsMessage, { type: 'error' }>;

function api(): Promise<MlflowWorkbenchApi> {
  return activatedApi('a connection has a client', (api) => api.connections.all().some((c) => c.client));
}

async function runNode(name: string): Promise<RunNode> {
  const { runsTree, connections } = await api();
  const roots = await runsTree.getChildren();
  const connection = roots.find(
    (n) =>
      n.type === 'connection' &&
      n.connection.id !== 'http://127.0.0.1:9' &&
      n.connection.id !== process.env.MLFLOW_WB_HOSTILE_URL &&
      connections.get(n.connection.id)?.client,
  );
  assert.ok(connection, 'no usable connection in the tree');
  const experiment = (await runsTree.getChildren(connection)).find((n) => n.type === 'experiment' && n.experiment.name === experimentName);
  assert.ok(experiment, `experiment ${experimentName} not in the tree`);
  const node = (await runsTree.getChildren(experiment)).find((n): n is RunNode => n.type === 'run' && n.run.info.run_name === name);
  assert.ok(node, `no run ${name}`);
  return node;
}

const isDetails = (m: ToRunDetailsMessage): m is DetailsMessage => m.type === 'details';
const isError = (m: ToRunDetailsMessage): m is ErrorMessage => m.type === 'error';

function ready(panel: RunDetailsPanel): Promise<void> {
  return Promise.race([panel.ready, new Promise<void>((_, reject) => setTimeout(() => reject(new Error('webview never sent ready')), 30_000))]);
}

suite('run details panel in the extension host', () => {
  let panel: RunDetailsPanel;

  suiteTeardown(() => panel?.dispose());

  test("a run node opens a webview that gets the run's overview, params, metrics, tags, artifacts and versions", async () => {
    const node = await runNode('train-parent');
    panel = (await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', node))!;
    assert.ok(panel, 'the command returned no panel');
    assert.equal(panel.panel.viewType, 'mlflow.runDetails');
    // The real webview (in the browser) loads runDetails.js and says it is ready.
    await ready(panel);
    const { details, refreshing } = await nextMessage(panel, isDetails);
    assert.equal(refreshing, false);
    assert.equal(details.overview.runId, node.run.info.run_id);
    assert.equal(details.overview.status, 'FINISHED');
    assert.equal(details.overview.experimentName, experimentName);
    assert.equal(details.overview.gitCommitUrl, 'https://github.com/acme/churn/commit/0123456789abcdef0123456789abcdef01234567');
    assert.deepEqual(details.params, [
      { key: 'alpha', value: '0.5' },
      { key: 'l1_ratio', value: '0.1' },
    ]);
    const [rmse] = details.metrics;
    assert.equal(rmse.key, 'rmse');
    assert.equal(rmse.latest, 0.2);
    assert.equal(rmse.min, 0.2);
    assert.equal(rmse.max, 1);
    assert.deepEqual(
      rmse.history.map((p) => p[0]),
      [0, 1, 2, 3, 4],
    );
    assert.ok(details.systemTags.some((t) => t.key === 'mlflow.source.git.commit'));
    assert.ok(details.tags.every((t) => !t.key.startsWith('mlflow.')));
    assert.deepEqual(
      details.artifacts.map((f) => [f.path, f.is_dir]),
      [['notes', true]],
    );
    assert.deepEqual(
      details.modelVersions.map((v) => [v.name, v.version, v.stage, v.aliases]),
      [[modelName, '1', 'Staging', []]],
    );
    assert.equal(panel.panel.title, 'Run train-parent');

    // The shared HTML builder: strict CSP, nothing but the bundle.
    const html = panel.panel.webview.html;
    assert.match(html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src [^;]+ 'nonce-/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      urls.map((u) => u.split('/').pop()),
      ['runDetails.css', 'runDetails.js'],
    );
    const roots = panel.panel.webview.options.localResourceRoots ?? [];
    assert.equal(roots.length, 1);
    assert.match(roots[0].path, /\/dist\/webview$/);

    // The same run again reveals the same panel.
    const again = await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', node);
    assert.equal(again, panel);
  });

  test('artifact requests: only listed paths, folders expand, files open in an editor; bad messages dropped', async () => {
    const before = panel.posted.length;
    await panel.handleMessage({ type: 'openArtifact', path: '../../../etc/passwd' });
    await panel.handleMessage({ type: 'listArtifacts', path: '/etc' });
    await panel.handleMessage({ type: 'openArtifact', path: 'notes' }); // a folder, not a file
    await panel.handleMessage({ type: 'openArtifact', path: 'notes/summary.txt' }); // not listed yet
    await panel.handleMessage({ type: 'runShell', command: 'rm -rf /' });
    assert.equal(panel.posted.length, before, 'a rejected message got an answer');
    assert.equal(vscode.window.activeTextEditor?.document.getText().includes('the best run so far') ?? false, false);

    const listed = nextMessage(panel, (m): m is Extract<ToRunDetailsMessage, { type: 'artifacts' }> => m.type === 'artifacts', 30_000, false);
    await panel.handleMessage({ type: 'listArtifacts', path: 'notes' });
    const answer = await listed;
    assert.equal(answer.path, 'notes');
    assert.deepEqual(
      answer.files.map((f) => [f.path, f.is_dir]),
      [['notes/summary.txt', false]],
    );

    const opened = new Promise<vscode.TextEditor>((resolve) => {
      const sub = vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e?.document.uri.path.endsWith('/notes/summary.txt')) {
          sub.dispose();
          resolve(e);
        }
      });
    });
    await panel.handleMessage({ type: 'openArtifact', path: 'notes/summary.txt' });
    const editor = await Promise.race([opened, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('summary.txt did not open')), 30_000))]);
    assert.equal(editor.document.getText(), 'the best run so far\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    await panel.handleMessage({ type: 'copy', text: 'alpha\t0.5' });
    assert.equal(await vscode.env.clipboard.readText(), 'alpha\t0.5');
  });

  test('Open Artifact on a hostile server: a traversal run id or artifact path writes nothing outside the cache (issue #15)', async () => {
    // The outer test runs a hostile MLflow imitation (test/support/hostileMlflowServer) as a second connection:
    // it answers any run id and serves bytes for any path, as a malicious server would.
    const hostileUrl = process.env.MLFLOW_WB_HOSTILE_URL!;
    const connection = (await api()).connections.get(hostileUrl);
    assert.ok(connection?.client, 'the hostile server is a connection');
    const run = (await runNode('train-parent')).run;
    // With enough '..' any cache folder climbs to / and then into this folder: the old code wrote there.
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-wb-hostile-target-'));
    const climb = '../'.repeat(40) + target.replace(/^\/+/, '');
    const hostile = (runId: string, artifactPath: string) =>
      ({
        type: 'artifact',
        id: 'hostile',
        connection,
        run: { ...run, info: { ...run.info, run_id: runId } },
        file: { path: artifactPath, is_dir: false },
      }) as ExplorerNode;
    for (const [runId, artifactPath] of [
      [climb, 'summary.txt'],
      ['r1', `${climb}/summary.txt`],
      ['r1', `/${target.replace(/^\/+/, '')}/summary.txt`],
    ]) {
      await vscode.commands.executeCommand('mlflow.openArtifact', hostile(runId, artifactPath));
    }
    assert.deepEqual(fs.readdirSync(target), []);
  });

  test('a RUNNING run is re-read until it finishes', async () => {
    const parent = await runNode('train-parent');
    const client = parent.connection.client!;
    const info = await client.createRun(parent.run.info.experiment_id, 'in-progress');
    await client.logBatch(info.run_id, { params: [{ key: 'epochs', value: '3' }] });
    const live = (await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', parent.connection.id, info.run_id))!;
    try {
      const first = await nextMessage(live, isDetails);
      assert.equal(first.refreshing, true);
      assert.equal(first.details.overview.status, 'RUNNING');
      const ended = nextMessage(live, (m): m is DetailsMessage => isDetails(m) && !m.refreshing, 30_000, false);
      await client.logBatch(info.run_id, { metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 }] });
      await client.updateRun(info.run_id, 'FINISHED');
      const last = await ended;
      assert.equal(last.details.overview.status, 'FINISHED');
      assert.ok(last.details.overview.endTime, 'an end time');
      assert.deepEqual(
        last.details.metrics.map((m) => [m.key, m.latest]),
        [['loss', 0.5]],
      );
    } finally {
      live.dispose();
    }
  });

  test('a missing run and a server that is down show an error with Retry', async () => {
    const parent = await runNode('train-parent');
    const missing = (await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', parent.connection.id, 'ffffffffffffffffffffffffffffffff'))!;
    try {
      const error = await nextMessage(missing, isError);
      assert.match(error.message, /Run ffffffffffffffffffffffffffffffff was not found on .*deleted for good/);
      assert.equal(error.retry, true);
      const again = nextMessage(missing, isError, 30_000, false);
      await missing.handleMessage({ type: 'retry' });
      assert.match((await again).message, /was not found/);
    } finally {
      missing.dispose();
    }
    const { connections } = await api();
    const down = connections.all().find((c) => c.label === 'down');
    assert.ok(down, 'the "down" connection');
    const unreachable = (await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', down.id, parent.run.info.run_id))!;
    try {
      const error = await nextMessage(unreachable, isError, 60_000);
      assert.match(error.message, /Could not load run .*Cannot reach the MLflow tracking server at http:\/\/127\.0\.0\.1:9/);
      assert.equal(error.retry, true);
    } finally {
      unreachable.dispose();
    }
  });

  test('compare with previous run: the top-level run before it, or a message for the first', async () => {
    const [parent, failed] = [await runNode('train-parent'), await runNode('broken-run')];
    const compare = await vscode.commands.executeCommand<ComparePanel>('mlflow.compareWithPrevious', failed);
    assert.ok(compare, 'no compare panel');
    try {
      assert.deepEqual(compare.runIds, [parent.run.info.run_id, failed.run.info.run_id]);
    } finally {
      compare.dispose();
    }
    const none = await vscode.commands.executeCommand<ComparePanel | undefined>('mlflow.compareWithPrevious', parent);
    assert.equal(none, undefined);

    // The details panel's header button does the same.
    const { comparePanels } = await api();
    const details = (await vscode.commands.executeCommand<RunDetailsPanel>('mlflow.showRunDetails', failed))!;
    try {
      await nextMessage(details, isDetails);
      const before = new Set(comparePanels.all());
      await details.handleMessage({ type: 'compareWithPrevious' });
      const opened = comparePanels.all().filter((p) => !before.has(p));
      assert.equal(opened.length, 1, 'one compare panel opened');
      assert.deepEqual(opened[0].runIds, [parent.run.info.run_id, failed.run.info.run_id]);
      opened[0].dispose();
    } finally {
      details.dispose();
    }
  });
});
