import * as vscode from 'vscode';
import type { MlflowWorkbenchApi } from '../../../src/extension';
import { waitUntil } from '../../support/waitUntil';

/**
 * The extension's API once activated and its connections (which load asynchronously after activation)
 * are `ready`; throws, saying what it waited for and which connections there were, when they never are.
 */
export async function activatedApi(what: string, ready: (api: MlflowWorkbenchApi) => boolean): Promise<MlflowWorkbenchApi> {
  const api = await vscode.extensions.getExtension<MlflowWorkbenchApi>('mlflow-workbench.mlflow-workbench')!.activate();
  const connections = () =>
    api.connections
      .all()
      .map((c) => `${c.label} (${c.kind}${c.client ? '' : `, no client${c.problem ? `: ${c.problem}` : ''}`})`)
      .join('; ') || 'none';
  return waitUntil(what, () => ready(api) && api, { timeoutMs: 60_000, lastState: () => `connections: ${connections()}` });
}
