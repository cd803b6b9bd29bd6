import * as vscode from 'vscode';
import type { Validation } from '../../webview/contract';
import type { TrackingConnections } from './explorer/trackingConnections';
import { getOutputChannel } from './outputChannel';
import { connectionReady } from './runPicking';

/**
 * Restores the panels of `viewType` after a window reload from the state their webview saved: the
 * state is checked with the contract's `validate`; with nothing valid to restore from (the webview
 * never saved its state) the panel is closed rather than shown empty, with a line in the output.
 * Otherwise the panel's connection is waited for (connections load after a reload), then `restore`.
 */
export function registerPanelSerializer<State extends { connectionId: string }>(
  viewType: string,
  what: string,
  validate: (state: unknown) => Validation<State>,
  connections: TrackingConnections,
  /** May return a promise (awaited), e.g. to wait for more connections. */
  restore: (panel: vscode.WebviewPanel, state: State) => unknown,
): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(viewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      const valid = validate(state);
      if (!valid.ok) {
        getOutputChannel().warn(`${what}: not restoring a panel: ${valid.error}`);
        panel.dispose();
        return;
      }
      await connectionReady(connections, valid.value.connectionId);
      await restore(panel, valid.value);
    },
  });
}
