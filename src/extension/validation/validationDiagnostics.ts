import * as path from 'node:path';
import * as vscode from 'vscode';
import { LineIndex, type ValidationDiagnostic } from '../../engine/validation/diagnostic';
import { detectFileKind, validateTextAsync, type ValidatedFileKind } from '../../engine/validation/validateFile';
import { IGNORED_FOLDERS_GLOB } from '../../engine/workspace/ignoredFolders';

/**
 * An edit after a pause is checked at once (next tick, so one edit's change events count once): the
 * diagnostics follow the edit within the validator's own time. Edits that come faster than QUIET_MS
 * (typing) are checked DEBOUNCE_MS after the last one, so a burst costs one validation, not one per key.
 */
const DEBOUNCE_MS = 200;
const QUIET_MS = 250;
/** Files the contributed cluster schema applies to (package.json jsonValidation fileMatch). */
const SCHEMA_FILE = /^(?:.*cluster.*\.json|backend-config\.json)$/i;
/** What the schema reports itself: JSON syntax, types, enum and minimum values, unknown and missing keys. */
const SCHEMA_CODES = new Set(['json/syntax', 'cluster/invalid-type', 'cluster/invalid-value', 'cluster/unknown-key', 'cluster/missing-key']);
const WORKSPACE_GLOB = '**/{MLproject,mlproject,conda.yaml,conda.yml,python_env.yaml,python_env.yml,*cluster*.json}';

/**
 * Runs the engine's validators on MLproject, conda.yaml, python_env.yaml and cluster JSON files:
 * open documents as the user types (debounced), every such file in the workspace at start-up, and
 * files changed on disk. Keeps the engine's diagnostics so code actions can offer their fixes.
 */
export class ValidationDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('mlflow');
  private readonly engineDiagnostics = new WeakMap<vscode.Diagnostic, ValidationDiagnostic>();
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; immediate: boolean }>();
  /** When each open document was last edited (performance.now()). */
  private readonly lastEdit = new Map<string, number>();
  /** The latest validation started per file: an older one that finishes later publishes nothing. */
  private readonly latest = new Map<string, number>();
  private validations = 0;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => void this.validateDocument(doc)),
      // An event without content changes is a dirty-state flip (a save, an undo to the saved text's
      // state): the text is as validated, and it must not count as typing (which would delay the next edit).
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.schedule(event.document);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.lastEdit.delete(doc.uri.toString());
        this.latest.delete(doc.uri.toString());
        // A closed file keeps its diagnostics from disk, like the workspace scan gives them.
        if (this.kindOf(doc.uri)) void this.validateOnDisk(doc.uri);
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(WORKSPACE_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.validateOnDisk(uri)),
      watcher.onDidChange((uri) => this.validateOnDisk(uri)),
      watcher.onDidDelete((uri) => this.collection.delete(uri)),
    );
    for (const doc of vscode.workspace.textDocuments) void this.validateDocument(doc);
  }

  /** Validates every such file of the workspace (in the background after activation). */
  async validateWorkspace(token?: vscode.CancellationToken): Promise<number> {
    const uris = await vscode.workspace.findFiles(WORKSPACE_GLOB, IGNORED_FOLDERS_GLOB, 5000, token);
    await Promise.all(uris.map((uri) => this.validateOnDisk(uri)));
    return uris.length;
  }

  /** The engine diagnostic behind a VS Code diagnostic (for its fixes). */
  engineDiagnostic(diagnostic: vscode.Diagnostic): ValidationDiagnostic | undefined {
    return this.engineDiagnostics.get(diagnostic);
  }

  private kindOf(uri: vscode.Uri, text?: string): ValidatedFileKind | undefined {
    if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote' && uri.scheme !== 'untitled') return undefined;
    return detectFileKind(uri.fsPath, text);
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const waiting = this.pending.get(key);
    // A validation queued for the next tick reads the latest text: later events of the same edit join it.
    if (waiting?.immediate) return;
    const now = performance.now();
    const quiet = now - (this.lastEdit.get(key) ?? -Infinity) > QUIET_MS;
    this.lastEdit.set(key, now);
    clearTimeout(waiting?.timer);
    const timer = setTimeout(
      () => {
        this.pending.delete(key);
        void this.validateDocument(doc);
      },
      quiet ? 0 : DEBOUNCE_MS,
    );
    this.pending.set(key, { timer, immediate: quiet });
  }

  /** A ticket for a validation of `uri` that is starting; current(ticket) says whether none started since. */
  private ticket(uri: vscode.Uri): () => boolean {
    const key = uri.toString();
    const mine = ++this.validations;
    this.latest.set(key, mine);
    return () => !this.disposed && this.latest.get(key) === mine;
  }

  private async validateDocument(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed) return;
    const text = doc.getText();
    const kind = this.kindOf(doc.uri, text);
    if (!kind) return;
    const current = this.ticket(doc.uri);
    const version = doc.version;
    let found = await validateTextAsync(kind, text, doc.uri.fsPath);
    if (!current() || doc.isClosed) return;
    // Edited while the named paths were checked: the positions belong to the new text, so check that one.
    if (doc.version !== version) return this.validateDocument(doc);
    // VS Code's JSON language service checks an open file that matches the contributed schema
    // (package.json jsonValidation) for syntax and shape; keep one message per problem by leaving
    // those to it and publishing what a schema cannot say.
    if (kind === 'cluster' && doc.languageId.startsWith('json') && SCHEMA_FILE.test(path.basename(doc.uri.fsPath)))
      found = found.filter((d) => !SCHEMA_CODES.has(d.code));
    this.publish(doc.uri, found, (offset) => doc.positionAt(offset));
  }

  private isOpen(uri: vscode.Uri): boolean {
    return vscode.workspace.textDocuments.some((doc) => doc.uri.toString() === uri.toString());
  }

  private async validateOnDisk(uri: vscode.Uri): Promise<void> {
    if (this.isOpen(uri)) return;
    // The ticket before reading: a document opened while the file is read takes a later one and wins.
    const current = this.ticket(uri);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      if (current() && !this.isOpen(uri)) this.collection.delete(uri);
      return;
    }
    const kind = this.kindOf(uri, text);
    if (!kind) return;
    const lines = new LineIndex(text);
    const found = await validateTextAsync(kind, text, uri.fsPath);
    // Opened meanwhile: the open document's own validation publishes (without what its JSON schema says).
    if (!current() || this.isOpen(uri)) return;
    this.publish(uri, found, (offset) => {
      const { line, column } = lines.lineColumn(offset);
      return new vscode.Position(line, column);
    });
  }

  private publish(uri: vscode.Uri, found: ValidationDiagnostic[], positionAt: (offset: number) => vscode.Position): void {
    this.collection.set(
      uri,
      found.map((d) => {
        const diagnostic = new vscode.Diagnostic(new vscode.Range(positionAt(d.range.start), positionAt(d.range.end)), d.message, toSeverity(d.severity));
        diagnostic.source = 'MLflow';
        diagnostic.code = d.code;
        this.engineDiagnostics.set(diagnostic, d);
        return diagnostic;
      }),
    );
  }

  dispose(): void {
    // Validations still checking paths publish nothing into the disposed collection.
    this.disposed = true;
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }
}

function toSeverity(severity: ValidationDiagnostic['severity']): vscode.DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    default:
      return vscode.DiagnosticSeverity.Information;
  }
}
