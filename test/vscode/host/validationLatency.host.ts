// Run by test/bench/validationLatency.bench.ts (not by npm test): in the real extension host, edits a
// 5,000-line MLproject and times each edit to the diagnostics that reflect it; as the reference, the
// validator (validateText, cold parse) run directly in the same host on the same edited text.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { clearValidationCache, validateText } from '../../../src/engine/validation/validateFile';

const WARM_UP = 5;
/** An edit after a pause: longer than the editor's typing window (QUIET_MS in validationDiagnostics.ts). */
const PAUSE_MS = 400;

function waitForDiagnostic(uri: vscode.Uri, needle: string): Promise<number> {
  return new Promise((resolve) => {
    const sub = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((u) => u.toString() === uri.toString())) return;
      if (!vscode.languages.getDiagnostics(uri).some((d) => d.source === 'MLflow' && d.message.includes(needle))) return;
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
      const arrived = await Promise.race([seen, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no diagnostic ${needle} in 20 s`)), 20_000))]);
      clearValidationCache();
      const t = performance.now();
      const found = validateText('mlproject', doc.getText(), { filePath: file, fileExists: () => true });
      const own = performance.now() - t;
      assert.ok(found.some((d) => d.message.includes(needle)));
      if (i >= WARM_UP) {
        latency.push(arrived - started);
        direct.push(own);
      }
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    console.log(`LATENCY_TIMES ${JSON.stringify({ latency, direct })}`);
  });
});
