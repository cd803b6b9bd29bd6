import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import type { ExplorerNode } from '../../../src/extension/explorer/explorerNodes';
import { activatedApi } from './activatedApi';

/** Seeded by the outer test (test/vscode/explorer.test.ts) and passed through the environment. */
const experimentName = process.env.MLFLOW_WB_SEEDED_EXPERIMENT!;

function api(): Promise<MlflowWorkbenchApi> {
  return activatedApi('both configured connections are loaded', (api) => api.connections.all().length >= 2);
}

suite('run explorer data and error states in the extension host', () => {
  test('an unreachable server is an error node with a retry, not an empty tree', async () => {
    const { runsTree } = await api();
    const roots = await runsTree.getChildren();
    const down = roots.find((n) => n.type === 'connection' && n.connection.label === 'down');
    assert.ok(down, `roots: ${roots.map((r) => r.id).join(', ')}`);
    const children = await runsTree.getChildren(down);
    assert.equal(children.length, 1);
    const [node] = children;
    assert.equal(node.type, 'message');
    if (node.type !== 'message') return;
    assert.match(node.message, /Cannot reach the MLflow tracking server at http:\/\/127\.0\.0\.1:9/);
    assert.equal(node.retry, down);
    const item = runsTree.getTreeItem(node);
    assert.equal(item.command?.command, 'mlflow.retry');
  });

  test('a filter narrows the runs; a bad filter says what is wrong', async () => {
    const { runsTree } = await api();
    const roots = await runsTree.getChildren();
    const live = roots.find((n) => n.type === 'connection' && n.connection.label !== 'down')!;
    const experiments = await runsTree.getChildren(live);
    const experiment = experiments.find((n) => n.type === 'experiment' && n.experiment.name === experimentName) as ExplorerNode;
    assert.ok(experiment, `no ${experimentName} among ${experiments.map((e) => e.id).join(', ')}`);

    const all = await runsTree.getChildren(experiment);
    assert.deepEqual(runNames(all), ['broken-run', 'train-parent']);

    runsTree.setFilter(experiment, "params.alpha = '0.5'");
    assert.deepEqual(runNames(await runsTree.getChildren(experiment)), ['train-parent']);
    assert.match(String(runsTree.getTreeItem(experiment).description), /filter: params\.alpha = '0\.5'/);

    runsTree.setFilter(experiment, 'metrics.rmse <');
    const bad = await runsTree.getChildren(experiment);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].type, 'message');
    if (bad[0].type === 'message') assert.match(bad[0].message, /^Bad filter "metrics\.rmse <": /);

    runsTree.setFilter(experiment, undefined);
    assert.equal(runNames(await runsTree.getChildren(experiment)).length, 2);
  });

  test('a run node shows params, metrics, tags, artifacts and its logged models groups', async () => {
    const { runsTree } = await api();
    const roots = await runsTree.getChildren();
    const live = roots.find((n) => n.type === 'connection' && n.connection.label !== 'down')!;
    const experiment = (await runsTree.getChildren(live)).find((n) => n.type === 'experiment' && n.experiment.name === experimentName)!;
    const parent = (await runsTree.getChildren(experiment)).find((n) => n.type === 'run' && n.run.info.run_name === 'train-parent')!;
    const groups = await runsTree.getChildren(parent);
    assert.deepEqual(
      groups.map((g) => (g.type === 'group' ? g.group : g.type)),
      ['children', 'params', 'metrics', 'tags', 'artifacts', 'models'],
    );
    const artifacts = await runsTree.getChildren(groups.find((g) => g.type === 'group' && g.group === 'artifacts'));
    assert.deepEqual(
      artifacts.map((a) => (a.type === 'artifact' ? a.file.path : a.type)),
      ['notes'],
    );
    const inFolder = await runsTree.getChildren(artifacts[0]);
    assert.deepEqual(
      inFolder.map((a) => (a.type === 'artifact' ? a.file.path : a.type)),
      ['notes/summary.txt'],
    );
  });

  test('deleted runs are hidden, shown with the toggle, and restorable', async () => {
    const { runsTree } = await api();
    const live = (await runsTree.getChildren()).find((n) => n.type === 'connection' && n.connection.label !== 'down')!;
    const experiment = (await runsTree.getChildren(live)).find((n) => n.type === 'experiment' && n.experiment.name === experimentName)!;
    const broken = (await runsTree.getChildren(experiment)).find((n) => n.type === 'run' && n.run.info.run_name === 'broken-run');
    assert.ok(broken && broken.type === 'run');
    await broken.connection.client!.deleteRun(broken.run.info.run_id);
    runsTree.refresh(experiment);
    assert.deepEqual(runNames(await runsTree.getChildren(experiment)), ['train-parent']);

    runsTree.toggleDeleted(experiment);
    const withDeleted = await runsTree.getChildren(experiment);
    assert.deepEqual(runNames(withDeleted), ['broken-run', 'train-parent']);
    const deletedNode = withDeleted.find((n) => n.type === 'run' && n.run.info.run_name === 'broken-run')!;
    assert.equal(runsTree.getTreeItem(deletedNode).contextValue, 'mlflow.run.deleted');

    await vscode.commands.executeCommand('mlflow.restoreRun', deletedNode);
    runsTree.toggleDeleted(experiment);
    assert.deepEqual(runNames(await runsTree.getChildren(experiment)), ['broken-run', 'train-parent']);
  });
});

function runNames(nodes: ExplorerNode[]): string[] {
  return nodes.flatMap((n) => (n.type === 'run' ? [n.run.info.run_name ?? ''] : [])).sort();
}
