// Run by test/bench/validationLatency.bench.ts (not by npm test): in the real extension host, edits a
// 5,000-line MLproject and times each edit to the diagnostics that reflect it. References, in the same
// host and run: the validator (validateText, cold parse) run directly on the same edited text; and the
// editor's floor: the same kind of edit of a plain text file whose diagnostic this test publishes at
// once from onDidChangeTextDocument (the edit's round trip to the window plus VS Code's own 50 ms
// debounce of onDidChangeDiagnostics: no extension's diagnostics can arrive sooner).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { clearValidationCache, validateText } from '../../../src/engine/validation/validateFile';

const WARM_UP = 5;
/** An edit after a pause: longer than the editor's typing window (QUIET_MS in validationDiagnostics.ts). */
const PAUSE_MS = 400;

function waitForDiagnostic(uri: vscode.Uri, needle: string, source = 'MLflow'): Promise<number> {
  return new Promise((resolve) => {
    const sub = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((u) => u.toString() === uri.toString())) return;
      if (!vscode.languages.getDiagnostics(uri).some((d) => (d.source ?? 'latency-floor') === source && d.message.includes(needle))) return;
      const at = performance.now();
      sub.dispose();
      resolve(at);
    });
  });
}

suite('validation latency', () => {
  test('edits of a 5,000-line MLproject, timed to their diagnostics', async function () {
    this.timeout(170_000); // the host suite's own limit is 180 s (runHostSuite)
    const edits = Number(process.env.MLFLOW_WB_LATENCY_EDITS ?? '60');
    await vscode.extensions.getExtension('mlflow-workbench.mlflow-workbench')!.activate();
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'MLproject');
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(doc.lineCount >= 5000, `MLproject has ${doc.lineCount} lines`);
    const latency: number[] = [];
    const direct: number[] = [];
    const floor: number[] = [];
    // The floor: a plain file, a diagnostic published in the same tick as its change event.
    const plainFile = path.join(path.dirname(file), 'floor.txt');
    const plain = await vscode.workspace.openTextDocument(vscode.Uri.file(plainFile));
    const plainEditor = await vscode.window.showTextDocument(plain, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const floorDiagnostics = vscode.languages.createDiagnosticCollection('latency-floor');
    const onPlainChange = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.uri.toString() !== plain.uri.toString()) return;
      floorDiagnostics.set(plain.uri, [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `floor ${event.document.lineAt(0).text}`)]);
    });
    for (let i = 0; i < WARM_UP + edits; i++) {
      // Entry point i's command: `--alpha {alpha}` becomes `--alpha {alpha_e<i>}`, an undeclared placeholder.
      const line = doc.lineAt(4 + 5 * i + 4);
      const at = line.text.indexOf('{alpha}');
      assert.ok(at > 0, `line ${line.lineNumber + 1}: ${line.text}`);
      const needle = `'alpha_e${i}'`;
      const seen = waitForDiagnostic(doc.uri, needle);
      const started = performance.now();
      const applied = await editor.edit((b) => b.replace(new vscode.Range(line.lineNumber, at + 1, line.lineNumber, at + 6), `alpha_e${i}`));
      assert.ok(applied);
      const arrived = await Promise.race([
        seen,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no diagnostic ${needle} in 20 s`)), 20_000)),
      ]);
      clearValidationCache();
      const t = performance.now();
      const found = validateText('mlproject', doc.getText(), { filePath: file, fileExists: () => true });
      const own = performance.now() - t;
      assert.ok(found.some((d) => d.message.includes(needle)));
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      const floorNeedle = `floor e${i}`;
      const floorSeen = waitForDiagnostic(plain.uri, floorNeedle, 'latency-floor');
      const floorStarted = performance.now();
      assert.ok(await plainEditor.edit((b) => b.replace(new vscode.Range(0, 0, 0, plain.lineAt(0).text.length), `e${i}`)));
      const floorArrived = await Promise.race([
        floorSeen,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no diagnostic ${floorNeedle} in 20 s`)), 20_000)),
      ]);
      if (i >= WARM_UP) {
        latency.push(arrived - started);
        direct.push(own);
        floor.push(floorArrived - floorStarted);
      }
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    onPlainChange.dispose();
    floorDiagnostics.dispose();
    console.log(`LATENCY_TIMES ${JSON.stringify({ latency, direct, floor })}`);
  });
});
