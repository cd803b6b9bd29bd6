import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The one "MLflow" output channel; tokens must never be written to it. */
export function getOutputChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('MLflow', { log: true });
  return channel;
}
