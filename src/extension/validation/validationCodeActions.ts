import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { registerGuardedCommand } from '../guardedCommand';
import type { ValidationDiagnostics } from './validationDiagnostics';

/** Internal (not in the palette): saves a file a quick fix created, so it exists on disk with its content. */
export function registerSaveCreatedFile(): vscode.Disposable {
  return registerGuardedCommand(COMMANDS.saveCreatedFile, async (uri: vscode.Uri) => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
  });
}

/** Offers the engine's fixes for MLflow diagnostics as quick fixes. */
export class ValidationCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: ValidationDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'MLflow') continue;
      const found = this.diagnostics.engineDiagnostic(diagnostic);
      if (!found) continue;
      for (const fix of found.fixes ?? []) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        for (const change of fix.edits) {
          edit.replace(document.uri, new vscode.Range(document.positionAt(change.range.start), document.positionAt(change.range.end)), change.newText);
        }
        action.edit = edit;
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred;
        actions.push(action);
      }
      if (found.createFile) {
        const action = new vscode.CodeAction(found.createFile.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        // overwrite: false: never replace a file that appeared since the diagnostic was computed (the
        // edit then fails as a whole). Content goes in as a text edit: `contents` does not survive the
        // round trip through executeCodeActionProvider.
        const uri = vscode.Uri.file(found.createFile.path);
        edit.createFile(uri, { overwrite: false });
        edit.insert(uri, new vscode.Position(0, 0), found.createFile.content);
        action.edit = edit;
        action.command = { command: COMMANDS.saveCreatedFile, title: 'Save', arguments: [uri] };
        action.diagnostics = [diagnostic];
        actions.push(action);
      }
    }
    return actions;
  }
}
