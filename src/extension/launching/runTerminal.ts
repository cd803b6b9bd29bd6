import * as vscode from 'vscode';
import type { LaunchState } from '../../engine/launching/launchTypes';

/** What a terminal's Ctrl-C and close end: a launch, a model server. */
export interface CancellableProcess {
  cancel(): Promise<unknown>;
}

/**
 * A terminal that shows one process the extension owns (a launch, a model server): its output as it
 * comes, its phases, and its end. Ctrl-C in the terminal, or closing it, cancels the process (the
 * whole process group, or the Databricks run).
 */
export class RunTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private handle: CancellableProcess | undefined;
  private opened: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => (this.opened = resolve));
  private pending = '';

  constructor(private readonly start: (terminal: RunTerminal) => CancellableProcess | undefined) {}

  open(): void {
    this.opened();
    if (this.pending) this.writeEmitter.fire(this.pending);
    this.pending = '';
    this.handle = this.start(this);
  }

  /** Resolves once VS Code has opened the terminal. */
  whenOpen(): Promise<void> {
    return this.ready;
  }

  write(text: string): void {
    const normalized = text.replace(/\r?\n/g, '\r\n');
    this.writeEmitter.fire(normalized);
  }

  state(state: LaunchState): void {
    const color = state.phase === 'finished' ? '32' : state.phase === 'failed' || state.phase === 'killed' ? '31' : '36';
    const parts = [`[${state.phase}]`, state.message, state.mlflowRunId ? `(MLflow run ${state.mlflowRunId})` : '', state.runPageUrl ?? ''];
    this.write(`\x1b[${color}m${parts.filter(Boolean).join(' ')}\x1b[0m\n`);
  }

  handleInput(data: string): void {
    if (data === '\x03' && this.handle) {
      this.write('^C cancelling…\n');
      void this.handle.cancel();
    }
  }

  close(): void {
    void this.handle?.cancel();
  }

  /** Ends the terminal's process with the run's result as its exit code (the terminal stays open). */
  exit(code: number): void {
    this.write(`\nPress any key to close.\n`);
    this.handleInput = () => this.closeEmitter.fire(code);
  }
}
