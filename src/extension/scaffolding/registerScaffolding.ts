import * as vscode from 'vscode';
import { getOutputChannel } from '../outputChannel';
import { runNewProjectWizard } from './newProjectWizard';

export function registerScaffolding(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('mlflow.newProject', async () => {
      try {
        return await runNewProjectWizard();
      } catch (err) {
        getOutputChannel().error(`New project: ${String(err)}`);
        void vscode.window.showErrorMessage(`MLflow: New Project failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }),
  );
}
