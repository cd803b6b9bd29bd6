import * as vscode from 'vscode';
import type { CommandId } from './commandIds';
import { getOutputChannel } from './outputChannel';

/**
 * Registers a command whose failure becomes an error message (its first line, with Show Output) and
 * the whole text in the MLflow output channel, never a silent rejected promise. It returns what the
 * handler returns (tests and other commands use it), undefined after a failure. It is the one way the
 * extension registers a command; the ids come from COMMANDS (./commandIds), which package.json is
 * checked against.
 */
export function registerGuardedCommand(id: CommandId, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      return reportFailure('MLflow', err, id);
    }
  });
}

/**
 * Logs a failure (the whole text, under `logAs`) and shows its first line after `what`, with Show
 * Output. For failures a command reports itself (a helper several commands share); returns undefined.
 */
export function reportFailure(what: string, err: unknown, logAs = what): undefined {
  const message = err instanceof Error ? err.message : String(err);
  getOutputChannel().error(`${logAs}: ${message}`);
  void vscode.window.showErrorMessage(`${what}: ${message.split('\n')[0]}`, 'Show Output').then((action) => {
    if (action) getOutputChannel().show(true);
  });
  return undefined;
}
