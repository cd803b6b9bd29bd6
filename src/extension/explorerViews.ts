import * as vscode from 'vscode';

/**
 * Registers the Runs and Model Registry views. Until a tracking server is configured they are
 * empty, which makes VS Code show the `viewsWelcome` content with the next step.
 */
export function registerExplorerViews(context: vscode.ExtensionContext): void {
  const changed = new vscode.EventEmitter<void>();
  const emptyUntilConnected: vscode.TreeDataProvider<vscode.TreeItem> = {
    onDidChangeTreeData: changed.event,
    getTreeItem: (item) => item,
    getChildren: () => [],
  };
  context.subscriptions.push(
    changed,
    vscode.window.registerTreeDataProvider('mlflow.runs', emptyUntilConnected),
    vscode.window.registerTreeDataProvider('mlflow.models', emptyUntilConnected),
    vscode.commands.registerCommand('mlflow.refreshExplorer', () => changed.fire()),
    vscode.commands.registerCommand('mlflow.setTrackingUri', async () => {
      const current = vscode.workspace.getConfiguration('mlflow').get<string>('trackingUri') ?? '';
      const value = await vscode.window.showInputBox({
        title: 'MLflow tracking URI',
        prompt: 'URL of an MLflow tracking server, e.g. http://127.0.0.1:5000',
        value: current,
        validateInput: (text) =>
          text === '' || /^https?:\/\/[^\s]+$/.test(text) || /^databricks(:\/\/[\w.-]+)?$/.test(text)
            ? undefined
            : 'Enter an http(s) URL, `databricks` or `databricks://<profile>`.',
      });
      if (value === undefined) return;
      await vscode.workspace.getConfiguration('mlflow').update('trackingUri', value, vscode.ConfigurationTarget.Workspace);
      changed.fire();
    }),
  );
}
