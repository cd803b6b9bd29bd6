import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { validateRunsTableState } from '../../../webview/contract';
import { DEFAULT_RUNS_TABLE_QUERY } from '../../engine/runsTable/runsSearchExpression';
import type { ExplorerNode } from '../explorer/explorerNodes';
import { registerGuardedCommand } from '../guardedCommand';
import { registerPanelSerializer } from '../panelSerializer';
import { connectionReady, pickConnection, pickExperiments } from '../runPicking';
import { RUNS_TABLE_VIEW_TYPE, RunsTablePanel } from './runsTablePanel';
import type { OpenPanels, PanelRegistrationDeps } from '../messagingPanel';

export type RunsTablePanels = OpenPanels<RunsTablePanel>;

type ExperimentNode = Extract<ExplorerNode, { type: 'experiment' }>;

function isExperimentNode(value: unknown): value is ExperimentNode {
  const node = value as Partial<ExperimentNode> | undefined;
  return (
    typeof node === 'object' &&
    node !== null &&
    node.type === 'experiment' &&
    typeof node.experiment?.experiment_id === 'string' &&
    typeof node.connection?.id === 'string'
  );
}

/**
 * Registers the runs table: the command `mlflow.openRunsTable` (an experiment of the Runs view, the
 * experiments selected there, or from the palette an experiment picker; `('<connection id>',
 * ['<experiment id>', ...])` for tests and other extensions) and the serializer that restores open
 * tables after a window reload. The command returns the panel it opens.
 */
export function registerRunsTable(context: vscode.ExtensionContext, deps: PanelRegistrationDeps): RunsTablePanels {
  const panelDeps = { connections: deps.connections, context };
  context.subscriptions.push(
    registerGuardedCommand(COMMANDS.openRunsTable, async (clicked?: unknown, selected?: unknown): Promise<RunsTablePanel | undefined> => {
      if (typeof clicked === 'string' && Array.isArray(selected) && selected.length > 0 && selected.every((s) => typeof s === 'string')) {
        await connectionReady(deps.connections, clicked);
        return RunsTablePanel.create(panelDeps, clicked, selected as string[]);
      }
      const candidates = Array.isArray(selected) && selected.length > 0 ? selected : clicked ? [clicked] : (deps.runsView?.selection ?? []);
      const nodes = candidates.filter(isExperimentNode);
      if (nodes.length > 0) {
        const connectionId = nodes[0].connection.id;
        if (nodes.some((n) => n.connection.id !== connectionId)) {
          void vscode.window.showErrorMessage('Open runs table: the selected experiments are on different tracking servers. Select experiments of one server.');
          return undefined;
        }
        // The Runs view knows the experiments' names: the table does not read them again.
        const experiments = new Map(nodes.map((n) => [n.experiment.experiment_id, n.experiment.name]));
        return RunsTablePanel.create(panelDeps, connectionId, [...experiments.keys()], [...experiments.values()]);
      }
      const connection = await pickConnection(deps.connections, 'Open runs table');
      if (!connection) return undefined;
      const experiments = await pickExperiments(connection.client, 'Open runs table');
      return experiments
        ? RunsTablePanel.create(
            panelDeps,
            connection.id,
            experiments.map((e) => e.id),
            experiments.map((e) => e.name),
          )
        : undefined;
    }),
    registerPanelSerializer(
      RUNS_TABLE_VIEW_TYPE,
      'Runs table',
      validateRunsTableState,
      deps.connections,
      (panel, state) => new RunsTablePanel(panel, panelDeps, state.connectionId, state.experimentIds, { ...DEFAULT_RUNS_TABLE_QUERY, ...state.query }),
    ),
  );
  return { all: () => RunsTablePanel.all() };
}
