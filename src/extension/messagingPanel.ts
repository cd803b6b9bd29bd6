import * as vscode from 'vscode';
import type { ExplorerNode } from './explorer/explorerNodes';
import type { TrackingConnections } from './explorer/trackingConnections';
import { getOutputChannel } from './outputChannel';
import type { Validation } from '../../webview/contract';

/** What a panel needs from the extension: the tracking connections, and the context (workspace state, URIs). */
export interface PanelDeps {
  connections: TrackingConnections;
  context: vscode.ExtensionContext;
}

/** What registering a kind of panel needs: the connections, and the Runs view (its selection stands in for arguments). */
export interface PanelRegistrationDeps {
  connections: TrackingConnections;
  runsView?: vscode.TreeView<ExplorerNode>;
}

/** The open panels of one kind (for tests and other features). */
export interface OpenPanels<P> {
  all(): readonly P[];
}

/** One handler per message type of a webview's messages, each given its own message type. */
export type MessageHandlers<M extends { type: string }> = { [K in M['type']]: (message: Extract<M, { type: K }>) => unknown };

/**
 * `raw` checked with the panel's contract: the message, or undefined once an invalid one (from a stale
 * or foreign webview) is logged in the output channel and dropped.
 */
export function validatedMessage<M>(panelTitle: string, validate: (raw: unknown) => Validation<M>, raw: unknown): M | undefined {
  const result = validate(raw);
  if (result.ok) return result.value;
  getOutputChannel().warn(`${panelTitle}: ignored a malformed message from the webview: ${result.error}`);
  return undefined;
}

/** A webview's `copy`: the text onto the clipboard, and a notice in the panel saying so. */
export async function copyToClipboard(text: string, post: (notice: { type: 'notice'; message: string }) => void): Promise<void> {
  await vscode.env.clipboard.writeText(text);
  post({ type: 'notice', message: 'Copied to the clipboard.' });
}

/** Runs the handler of `message`'s type (awaited when it returns a promise). */
export async function dispatchMessage<M extends { type: string }>(handlers: MessageHandlers<M>, message: M): Promise<void> {
  await (handlers[message.type as M['type']] as (message: M) => unknown)(message);
}

/**
 * What the extension's webview panels (compare, run details) share: the webview's `ready`, posting
 * messages (remembered, bounded, for tests and diagnostics) and disposal. Subclasses validate what
 * they receive with the contract and release their own resources in `disposeResources`.
 */
export abstract class MessagingPanel<ToWebview extends { type: string }> implements vscode.Disposable {
  protected disposed = false;
  protected readonly disposables: vscode.Disposable[] = [];
  private readyResolve!: () => void;
  /** Resolves once the webview said `ready` (tests and the serializer wait on it). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));
  /** Every message posted to the webview, newest last (bounded; for tests and diagnostics). */
  readonly posted: ToWebview[] = [];
  private readonly postedEmitter = new vscode.EventEmitter<ToWebview>();
  readonly onDidPost = this.postedEmitter.event;

  constructor(readonly panel: vscode.WebviewPanel) {
    this.disposables.push(
      this.postedEmitter,
      panel.onDidDispose(() => this.dispose()),
    );
  }

  protected markReady(): void {
    this.readyResolve();
  }

  protected post(message: ToWebview): void {
    if (this.disposed) return;
    this.posted.push(message);
    if (this.posted.length > 50) this.posted.splice(0, this.posted.length - 50);
    this.postedEmitter.fire(message);
    void this.panel.webview.postMessage(message);
  }

  /** Timers, requests in flight, the registry of open panels. */
  protected abstract disposeResources(): void;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeResources();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
