import * as vscode from 'vscode';
import { registerExplorerViews } from './extension/explorerViews';
import { getOutputChannel } from './extension/outputChannel';

/**
 * Entry point. Activation stays cheap: it registers commands and views; servers, parsing and
 * network calls happen only when a view is opened or a command runs.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = getOutputChannel();
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('mlflow.showOutput', () => output.show(true)),
  );
  registerExplorerViews(context);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
