import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import type { ExplorerNode } from '../../../src/extension/explorer/explorerNodes';
import { activatedApi } from './activatedApi';

/**
 * Seeded by the outer test (test/vscode/databricksRegistry.test.ts) in the workspace emulator; the
 * connection is a databricks-cli profile (the fake `databricks auth token`), no personal access token.
 */
const model = process.env.MLFLOW_WB_DBX_MODEL!;
const endpointName = process.env.MLFLOW_WB_DBX_ENDPOINT!;
/** What the served model predicts in Python for its saved input example. */
const expectedExample = JSON.parse(process.env.MLFLOW_WB_DBX_EXPECTED ?? '[]') as number[];

function api(): Promise<MlflowWorkbenchApi> {
  return activatedApi('the Databricks connection has a client', (api) => api.connections.all().some((c) => c.kind === 'databricks' && c.client));
}

async function databricksRoot(): Promise<{ tree: MlflowWorkbenchApi['registryTree']; root: ExplorerNode }> {
  const { registryTree } = await api();
  const root = (await registryTree.getChildren()).find((n) => n.type === 'connection' && n.connection.kind === 'databricks');
  assert.ok(root, 'no Databricks connection in the Model Registry view');
  return { tree: registryTree, root };
}

async function versionNode(version: string): Promise<{ tree: MlflowWorkbenchApi['registryTree']; node: ExplorerNode }> {
  const { tree, root } = await databricksRoot();
  const modelNode = (await tree.getChildren(root)).find((n) => n.type === 'registeredModel' && n.model.name === model);
  assert.ok(modelNode, `no ${model}`);
  const node = (await tree.getChildren(modelNode)).find((n) => n.type === 'modelVersion' && n.version.version === version);
  assert.ok(node, `no version ${version}`);
  return { tree, node };
}

type PickItem = vscode.QuickPickItem & { archive?: boolean };

/**
 * Runs `command` on a tree item with the person's answers to its prompts (`pick` chooses among a
 * quick pick's items, `input` is typed into every input box); the workspace calls are real.
 * Returns the command's result and the title of every prompt shown, in order.
 */
async function runAnswering<T>(
  command: string,
  node: ExplorerNode | undefined,
  answers: { pick?: (items: readonly PickItem[]) => PickItem | undefined; input?: string },
): Promise<{ result: T | undefined; asked: string[] }> {
  const window = vscode.window as { showQuickPick: unknown; showInputBox: unknown };
  const original = { showQuickPick: window.showQuickPick, showInputBox: window.showInputBox };
  const asked: string[] = [];
  window.showQuickPick = (items: readonly PickItem[], options?: vscode.QuickPickOptions) => {
    asked.push(options?.title ?? `(pick: ${items.map((i) => i.label).join(' | ')})`);
    return Promise.resolve(answers.pick?.(items));
  };
  window.showInputBox = (options?: vscode.InputBoxOptions) => {
    asked.push(options?.title ?? '(input)');
    return Promise.resolve(answers.input);
  };
  try {
    return { result: await vscode.commands.executeCommand<T>(command, node), asked };
  } finally {
    Object.assign(window, original);
  }
}

suite('Databricks registry workflow in the extension host', () => {
  test('the connection lists its serving endpoints with state and served entities', async () => {
    const { tree, root } = await databricksRoot();
    const children = await tree.getChildren(root);
    assert.equal(children[0]?.type, 'servingEndpoints');
    const endpoints = await tree.getChildren(children[0]);
    const endpoint = endpoints.find((n) => n.type === 'servingEndpoint' && n.endpoint.name === endpointName);
    assert.ok(endpoint, `endpoints: ${endpoints.map((e) => e.id).join(', ')}`);
    const item = tree.getTreeItem(endpoint);
    assert.equal(item.contextValue, 'mlflow.servingEndpoint');
    assert.equal(item.description, 'READY');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    const served = await tree.getChildren(endpoint);
    assert.equal(served.length, 1);
    assert.match(String(tree.getTreeItem(served[0]!).description), new RegExp(`^${model} v1 · READY$`));
  });

  test("Send Test Request on an endpoint posts the served version's input example and shows the answer", async () => {
    const { tree, root } = await databricksRoot();
    const [group] = await tree.getChildren(root);
    const endpoint = (await tree.getChildren(group)).find((n) => n.type === 'servingEndpoint' && n.endpoint.name === endpointName);
    const offered: string[] = [];
    const { result } = await runAnswering<{ status: number; body: { predictions?: number[] } }>('mlflow.sendTestRequest', endpoint, {
      pick: (items) => {
        offered.push(...items.map((i) => i.label));
        return items.find((i) => i.label.includes('saved input example'));
      },
    });
    assert.ok(
      offered.some((l) => l.includes('saved input example')),
      offered.join(' | '),
    );
    assert.equal(result?.status, 200, JSON.stringify(result));
    const predictions = result.body.predictions ?? [];
    assert.equal(predictions.length, expectedExample.length);
    predictions.forEach((p, i) => assert.ok(Math.abs(p - expectedExample[i]!) < 1e-6, `prediction ${i}: ${p} vs ${expectedExample[i]}`));
    // The answer is shown beside, and the example is kept with the endpoint's sample requests.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'mlflow-response');
    assert.ok(shown, 'no response editor');
    assert.match(shown.document.getText(), new RegExp(`"target": "endpoint ${endpointName}`));
    const saved = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.mlflow', 'requests', `endpoint-${endpointName}`, 'input-example.json');
    assert.ok((await vscode.workspace.fs.stat(saved)).size > 0);
  });

  test('a version shows its open transition request and its activity', async () => {
    const { tree, node } = await versionNode('2');
    assert.match(String(tree.getTreeItem(node).contextValue), /^mlflow\.modelVersion.*\.requests$/);
    const [requests, activity] = await tree.getChildren(node);
    assert.equal(tree.getTreeItem(requests!).label, 'Transition Requests');
    assert.equal(tree.getTreeItem(activity!).label, 'Activity');
    const open = await tree.getChildren(requests);
    assert.equal(open.length, 1);
    const request = open[0]!;
    assert.equal(request.type, 'transitionRequest');
    const item = tree.getTreeItem(request);
    assert.equal(item.label, '→ Staging');
    assert.match(String(item.description), /^data\.scientist@example\.com · .+ · “beats v1”$/);
    assert.equal(item.contextValue, 'mlflow.transitionRequest');
    const events = await tree.getChildren(activity);
    assert.deepEqual(
      events.map((e) => tree.getTreeItem(e).label),
      ['data.scientist@example.com requested None → Staging ("beats v1")'],
    );
  });

  test('rejecting from the tree (comment) closes the request, leaves the stage and shows it in the activity', async () => {
    const { tree, node } = await versionNode('1');
    assert.equal(node.type === 'modelVersion' && node.version.current_stage, 'Staging');
    const [requests, activity] = await tree.getChildren(node);
    const open = await tree.getChildren(requests);
    const request = open.find((n) => n.type === 'transitionRequest' && tree.getTreeItem(n).label === '→ Production');
    assert.ok(request, `open requests of version 1: ${open.map((n) => String(tree.getTreeItem(n).label)).join(' | ')}`);
    // The person's one answer: the comment.
    const { asked } = await runAnswering('mlflow.rejectTransitionRequest', request, { input: 'not v1 in VS Code' });
    assert.deepEqual(asked, [`Reject data.scientist@example.com's request: ${model} version 1 → Production`]);
    const after = await versionNode('1');
    assert.equal(after.node.type === 'modelVersion' && after.node.version.current_stage, 'Staging');
    const left = await tree.getChildren(requests);
    assert.equal(left[0]?.type, 'message', left.map((n) => String(tree.getTreeItem(n).label)).join(' | '));
    const events = await tree.getChildren(activity);
    assert.equal(tree.getTreeItem(events[0]!).label, 'emulated.user@example.com rejected the request for Production ("not v1 in VS Code")');
  });

  test('approving from the tree (archive, comment) moves the version and refreshes its requests and activity', async () => {
    const { tree, node } = await versionNode('2');
    const [requests, activity] = await tree.getChildren(node);
    const [request] = await tree.getChildren(requests);
    // The person's two answers: archive the versions now in Staging, and the comment.
    const { asked } = await runAnswering('mlflow.approveTransitionRequest', request, {
      pick: (items) => items.find((i) => i.archive === true),
      input: 'approved in VS Code',
    });
    assert.equal(asked.length, 2, asked.join(' | '));
    assert.match(asked[0]!, /other versions in Staging/);
    const after = await versionNode('2');
    assert.equal(after.node.type === 'modelVersion' && after.node.version.current_stage, 'Staging');
    assert.match(String(after.tree.getTreeItem(after.node).description), /^Staging/);
    const open = await tree.getChildren(requests);
    assert.equal(open[0]?.type, 'message');
    const events = await tree.getChildren(activity);
    assert.equal(tree.getTreeItem(events[0]!).label, 'emulated.user@example.com approved None → Staging ("approved in VS Code")');
  });
});
