import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { registerGuardedCommand } from '../guardedCommand';
import { getOutputChannel } from '../outputChannel';
import { MLPROJECT_SELECTOR, MlprojectCompletion, MlprojectEnvFileLinks, MlprojectHover } from './mlprojectLanguageFeatures';
import { registerSaveCreatedFile, ValidationCodeActions } from './validationCodeActions';
import { ValidationDiagnostics } from './validationDiagnostics';

const VALIDATED_SELECTOR: vscode.DocumentSelector = [
  ...(MLPROJECT_SELECTOR as vscode.DocumentFilter[]),
  { scheme: 'file', pattern: '**/{conda.yaml,conda.yml,python_env.yaml,python_env.yml,*cluster*.json}' },
];

/** Diagnostics, quick fixes, completion, hover and links for MLflow project files. */
export function registerValidation(context: vscode.ExtensionContext): ValidationDiagnostics {
  const diagnostics = new ValidationDiagnostics();
  context.subscriptions.push(
    diagnostics,
    registerSaveCreatedFile(),
    vscode.languages.registerCodeActionsProvider(VALIDATED_SELECTOR, new ValidationCodeActions(diagnostics), ValidationCodeActions.metadata),
    vscode.languages.registerCompletionItemProvider(MLPROJECT_SELECTOR, new MlprojectCompletion(), ...MlprojectCompletion.triggerCharacters),
    vscode.languages.registerHoverProvider(MLPROJECT_SELECTOR, new MlprojectHover()),
    vscode.languages.registerDocumentLinkProvider(MLPROJECT_SELECTOR, new MlprojectEnvFileLinks()),
    registerGuardedCommand(COMMANDS.validateWorkspace, async () => {
      const count = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'MLflow: validating project files' },
        (_progress, token) => diagnostics.validateWorkspace(token),
      );
      void vscode.window.showInformationMessage(`MLflow: validated ${count} project file(s); see the Problems panel.`);
    }),
  );
  // The workspace scan runs after activation returns, so activation stays fast.
  setTimeout(() => {
    diagnostics.validateWorkspace().catch((err: unknown) => getOutputChannel().error(`Validating the workspace failed: ${String(err)}`));
  }, 0);
  return diagnostics;
}
