import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import type { ExplorerNode } from '../../../src/extension/explorer/explorerNodes';

/** Seeded by the outer test (test/vscode/databricksSignIn.test.ts) in the workspace emulator. */
const host = process.env.MLFLOW_WB_DBX_HOST!;
const experimentName = process.env.MLFLOW_WB_DBX_EXPERIMENT!;
const runName = process.env.MLFLOW_WB_DBX_RUN!;
const model = process.env.MLFLOW_WB_DBX_MODEL!;

async function api(): Promise<MlflowWorkbenchApi> {
  const extension = vscode.extensions.getExtension<MlflowWorkbenchApi>('mlflow-workbench.mlflow-workbench')!;
  return extension.activate();
}

type Window = { showQuickPick: unknown; showInputBox: unknown; showInformationMessage: unknown; showErrorMessage: unknown };

/** Runs the command with the person's answers to its prompts; returns the messages it showed. */
async function signIn(
  pick: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined,
  inputs: string[] = [],
): Promise<{ offered: vscode.QuickPickItem[]; info: string[]; errors: string[] }> {
  const window = vscode.window as unknown as Window;
  const original = {
    showQuickPick: window.showQuickPick,
    showInputBox: window.showInputBox,
    showInformationMessage: window.showInformationMessage,
    showErrorMessage: window.showErrorMessage,
  };
  const offered: vscode.QuickPickItem[] = [];
  const info: string[] = [];
  const errors: string[] = [];
  window.showQuickPick = (items: readonly vscode.QuickPickItem[]) => {
    offered.push(...items);
    return Promise.resolve(pick(items));
  };
  window.showInputBox = () => Promise.resolve(inputs.shift());
  window.showInformationMessage = (message: string) => {
    info.push(message);
    return Promise.resolve(undefined);
  };
  window.showErrorMessage = (message: string) => {
    errors.push(message);
    return Promise.resolve(undefined);
  };
  try {
    await vscode.commands.executeCommand('mlflow.signInToDatabricks');
  } finally {
    Object.assign(window, original);
  }
  return { offered, info, errors };
}

/** The Runs view's root of a connection, its experiments, and the runs of the seeded experiment. */
async function listedRuns(connectionId: string): Promise<{ root: ExplorerNode; experiments: string[]; runs: string[] }> {
  const { runsTree } = await api();
  const root = (await runsTree.getChildren()).find((n) => n.type === 'connection' && n.connection.id === connectionId);
  assert.ok(root, `no ${connectionId} in the Runs view`);
  const children = await runsTree.getChildren(root);
  const experiments = children.flatMap((n) => (n.type === 'experiment' ? [n.experiment.name] : n.type === 'message' ? [`message: ${n.message}`] : []));
  const experiment = children.find((n) => n.type === 'experiment' && n.experiment.name === experimentName);
  const runs = experiment ? (await runsTree.getChildren(experiment)).flatMap((n) => (n.type === 'run' ? [n.run.info.run_name ?? ''] : [])) : [];
  return { root, experiments, runs };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function listedModels(connectionId: string): Promise<string[]> {
  const { registryTree } = await api();
  const root = (await registryTree.getChildren()).find((n) => n.type === 'connection' && n.connection.id === connectionId);
  assert.ok(root, `no ${connectionId} in the Model Registry view`);
  return (await registryTree.getChildren(root)).flatMap((n) => (n.type === 'registeredModel' ? [n.model.name] : []));
}

suite('MLflow: Sign in to Databricks… in the extension host', () => {
  test('a databricks-cli profile the CLI is signed in to becomes the active connection; Runs and Registry list the workspace', async () => {
    const { offered, info, errors } = await signIn((items) => items.find((i) => i.label === 'dev'));
    const dev = offered.find((i) => i.label === 'dev');
    assert.ok(dev, `offered: ${offered.map((i) => i.label).join(', ')}`);
    assert.equal(dev.description, host);
    assert.equal(dev.detail, 'auth_type = databricks-cli');
    assert.deepEqual(errors, []);
    assert.deepEqual(info, [`MLflow: signed in to ${host} as emulated.user@example.com (profile dev).`]);

    const { connections, runsTree } = await api();
    assert.equal(connections.active()?.id, 'databricks://dev');
    assert.equal(connections.active()?.kind, 'databricks');
    const saved = vscode.workspace.getConfiguration('mlflow').get<{ trackingUri: string }[]>('connections') ?? [];
    assert.ok(
      saved.some((c) => c.trackingUri === 'databricks://dev'),
      JSON.stringify(saved),
    );

    const { root, experiments, runs } = await listedRuns('databricks://dev');
    assert.match(String(runsTree.getTreeItem(root).description), /signed in as emulated\.user@example\.com/);
    assert.ok(experiments.includes(experimentName), experiments.join(' | '));
    assert.deepEqual(runs, [runName]);
    assert.ok((await listedModels('databricks://dev')).includes(model));
  });

  test('a profile the CLI has lost its sign-in for shows "not signed in" with Retry and Sign in on its row; Retry after signing in shows the user', async () => {
    const { connections, runsTree } = await api();
    // The person's CLI sign-in goes away (expired refresh token): the fake CLI forgets its profiles.
    const stateFile = process.env.FAKE_DATABRICKS_CLI_STATE!;
    const saved = fs.readFileSync(stateFile, 'utf8');
    fs.writeFileSync(stateFile, JSON.stringify({ profiles: {} }));
    try {
      await connections.reload();
      await waitFor('the sign-in check of databricks://dev', () => connections.signInOf('databricks://dev') !== undefined);
      const { root } = await listedRuns('databricks://dev');
      const item = runsTree.getTreeItem(root);
      assert.match(String(item.description), /not signed in$/);
      assert.equal(item.contextValue, 'mlflow.connection.signedOut');
      assert.match(String(item.tooltip), /databricks auth login --host http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      fs.writeFileSync(stateFile, saved);
    }
    const { root } = await listedRuns('databricks://dev');
    await vscode.commands.executeCommand('mlflow.retry', root);
    await waitFor('databricks://dev signed in again', () => connections.signInOf('databricks://dev')?.user !== undefined);
    const again = await listedRuns('databricks://dev');
    assert.match(String(runsTree.getTreeItem(again.root).description), /signed in as emulated\.user@example\.com/);
    assert.equal(runsTree.getTreeItem(again.root).contextValue, 'mlflow.connection');
  });

  test('a new workspace URL: `databricks auth login` runs in a terminal, then the saved profile is used', async () => {
    const { info, errors } = await signIn((items) => items.find((i) => i.label.includes('Enter a workspace URL')), [host, 'fresh']);
    assert.deepEqual(errors, []);
    // The fake CLI's browser sign-in hands out a token of another user: the connection uses it.
    assert.deepEqual(info, [`MLflow: signed in to ${host} as fresh.user@example.com (profile fresh).`]);
    const { connections, runsTree } = await api();
    assert.equal(connections.active()?.id, 'databricks://fresh');
    const { root, experiments } = await listedRuns('databricks://fresh');
    assert.match(String(runsTree.getTreeItem(root).description), /signed in as fresh\.user@example\.com/);
    assert.ok(experiments.includes(experimentName), experiments.join(' | '));
  });
});
