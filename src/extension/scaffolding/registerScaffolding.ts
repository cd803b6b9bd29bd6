import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { registerGuardedCommand } from '../guardedCommand';
import { runNewProjectWizard } from './newProjectWizard';

export function registerScaffolding(context: vscode.ExtensionContext): void {
  context.subscriptions.push(registerGuardedCommand(COMMANDS.newProject, () => runNewProjectWizard()));
}
