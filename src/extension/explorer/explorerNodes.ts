import * as vscode from 'vscode';
import type { ServingEndpoint } from '../../engine/databricks/servingEndpoints';
import type { RegistryActivity } from '../../engine/databricks/transitionRequests';
import type { MlflowFileInfo, MlflowModelVersion, MlflowRegisteredModel, MlflowRun, MlflowExperiment } from '../../engine/mlflow/mlflowTypes';
import type { TrackingConnection, UsableConnection } from './trackingConnections';

/**
 * Every node of the Runs and Model Registry trees. `id` keeps expansion state across refreshes.
 * Only a connection row may stand for an unusable connection: every node below it has a client.
 */
export type ExplorerNode =
  | { type: 'connection'; id: string; connection: TrackingConnection }
  | { type: 'experiment'; id: string; connection: UsableConnection; experiment: MlflowExperiment }
  | { type: 'run'; id: string; connection: UsableConnection; run: MlflowRun; pagerKey: string }
  | {
      type: 'group';
      id: string;
      connection: UsableConnection;
      run: MlflowRun;
      group: 'params' | 'metrics' | 'tags' | 'artifacts' | 'children' | 'models';
      pagerKey: string;
    }
  | {
      type: 'leaf';
      id: string;
      label: string;
      description?: string;
      tooltip?: string;
      icon?: string;
      contextValue?: string;
      copyValue?: string;
      owner?: UsableConnection;
    }
  | { type: 'artifact'; id: string; connection: UsableConnection; run: MlflowRun; file: MlflowFileInfo }
  | { type: 'loadMore'; id: string; parent: ExplorerNode; label: string }
  | { type: 'message'; id: string; message: string; severity: 'error' | 'info'; retry?: ExplorerNode; action?: vscode.Command }
  | { type: 'registeredModel'; id: string; connection: UsableConnection; model: MlflowRegisteredModel }
  | { type: 'modelVersion'; id: string; connection: UsableConnection; version: MlflowModelVersion }
  /** Under a version of a Databricks workspace registry: its open transition requests, or its activity history. */
  | {
      type: 'versionWorkflow';
      id: string;
      connection: UsableConnection;
      versionNode: Extract<ExplorerNode, { type: 'modelVersion' }>;
      group: 'requests' | 'activity';
    }
  | {
      type: 'transitionRequest';
      id: string;
      connection: UsableConnection;
      versionNode: Extract<ExplorerNode, { type: 'modelVersion' }>;
      request: RegistryActivity;
    }
  /** Under a Databricks connection: its Model Serving endpoints. */
  | { type: 'servingEndpoints'; id: string; connection: UsableConnection }
  | { type: 'servingEndpoint'; id: string; connection: UsableConnection; endpoint: ServingEndpoint };

export function messageNode(parentId: string, message: string, retry?: ExplorerNode, action?: vscode.Command): ExplorerNode {
  return { type: 'message', id: `${parentId}/message`, message, severity: retry ? 'error' : 'info', retry, action };
}

/** A short message for a tree node from any error; the full text goes to the output channel. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

export const RUN_STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  RUNNING: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  SCHEDULED: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.blue')),
  FINISHED: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  FAILED: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  KILLED: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};
