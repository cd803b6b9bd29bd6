import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';

/** "Run locally" and "Run on Databricks" above each entry point of an MLproject. */
export class EntryPointCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    const projectDir = path.dirname(document.uri.fsPath);
    let inEntryPoints = false;
    let childIndent = -1;
    for (let line = 0; line < document.lineCount; line++) {
      const text = document.lineAt(line).text;
      if (/^\s*(#.*)?$/.test(text)) continue;
      const indent = /^\s*/.exec(text)![0].length;
      if (indent === 0) {
        inEntryPoints = /^entry_points\s*:/.test(text);
        childIndent = -1;
        continue;
      }
      if (!inEntryPoints) continue;
      if (childIndent === -1) childIndent = indent;
      const match = indent === childIndent ? /^\s*([\w.-]+)\s*:/.exec(text) : null;
      if (!match) continue;
      const range = new vscode.Range(line, indent, line, indent + match[1].length);
      lenses.push(
        new vscode.CodeLens(range, { title: '$(play) Run locally', command: COMMANDS.launchRun, arguments: [projectDir, match[1], 'local'] }),
        new vscode.CodeLens(range, { title: '$(cloud) Run on Databricks', command: COMMANDS.launchRun, arguments: [projectDir, match[1], 'databricks'] }),
      );
    }
    return lenses;
  }
}
