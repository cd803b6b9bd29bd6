import * as vscode from 'vscode';
import { getOutputChannel } from './outputChannel';

/**
 * Registers a command whose failure becomes an error message (its first line, with Show Output) and
 * the whole text in the MLflow output channel, never a silent rejected promise. It returns what the
 * handler returns (tests and other commands use it), undefined after a failure.
 */
export function registerGuardedCommand(id: string, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(`MLflow: ${message.split('\n')[0]}`, 'Show Output').then((action) => {
        if (action) getOutputChannel().show(true);
      });
      return undefined;
    }
  });
}
