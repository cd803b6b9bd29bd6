import * as vscode from 'vscode';
import { COMMANDS } from './extension/commandIds';
import { registerComparePanel, type ComparePanels } from './extension/compare/registerComparePanel';
import { registerExplorer } from './extension/explorer/explorerCommands';
import type { RegistryTreeProvider } from './extension/explorer/registryTreeProvider';
import type { RunsTreeProvider } from './extension/explorer/runsTreeProvider';
import type { TrackingConnections } from './extension/explorer/trackingConnections';
import { registerLaunching } from './extension/launching/launchCommands';
import { registerGuardedCommand } from './extension/guardedCommand';
import { getOutputChannel } from './extension/outputChannel';
import { registerRunDetails, type RunDetailsPanels } from './extension/runDetails/registerRunDetails';
import { registerRunsTable, type RunsTablePanels } from './extension/runsTable/registerRunsTable';
import { registerScaffolding } from './extension/scaffolding/registerScaffolding';
import type { ModelServers } from './extension/serving/modelServers';
import { registerServing } from './extension/serving/servingCommands';
import { registerValidation } from './extension/validation/registerValidation';
import type { ValidationDiagnostics } from './extension/validation/validationDiagnostics';

/** What activate() returns: other extensions and the extension-host tests use it. */
export interface MlflowWorkbenchApi {
  connections: TrackingConnections;
  runsTree: RunsTreeProvider;
  registryTree: RegistryTreeProvider;
  diagnostics: ValidationDiagnostics;
  comparePanels: ComparePanels;
  modelServers: ModelServers;
  runDetailsPanels: RunDetailsPanels;
  runsTables: RunsTablePanels;
}

/**
 * Entry point. Activation stays cheap: it registers commands, views and providers; servers,
 * parsing and network calls happen only when a view is opened, a file is shown or a command runs.
 */
export function activate(context: vscode.ExtensionContext): MlflowWorkbenchApi {
  const output = getOutputChannel();
  context.subscriptions.push(
    output,
    registerGuardedCommand(COMMANDS.showOutput, () => output.show(true)),
  );
  const { connections, runs, registry, runsView } = registerExplorer(context);
  const diagnostics = registerValidation(context);
  registerScaffolding(context);
  registerLaunching(context, connections, runs);
  const comparePanels = registerComparePanel(context, { connections, runsView });
  const runDetailsPanels = registerRunDetails(context, { connections, runsView });
  const runsTables = registerRunsTable(context, { connections, runsView });
  const modelServers = registerServing(context, connections);
  return { connections, runsTree: runs, registryTree: registry, diagnostics, comparePanels, runDetailsPanels, modelServers, runsTables };
}

export function deactivate(): void {
  // Everything, the embedded tracking server included, is disposed through context.subscriptions.
}
