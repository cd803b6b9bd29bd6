// Run by test/bench/activation.bench.ts (not by npm test): times activating this extension and,
// as the reference, VS Code's built-in npm extension (a tree view, a task provider and commands,
// like ours) in the same extension host, in the order the bench asks for.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSIONS = { ours: 'mlflow-workbench.mlflow-workbench', reference: 'vscode.npm' } as const;

suite('activation timing', () => {
  test('activates both extensions, timed', async () => {
    const order: (keyof typeof EXTENSIONS)[] = process.env.MLFLOW_WB_ACTIVATION_ORDER === 'reference-first' ? ['reference', 'ours'] : ['ours', 'reference'];
    const times: Record<string, number> = {};
    for (const key of order) {
      const extension = vscode.extensions.getExtension(EXTENSIONS[key]);
      assert.ok(extension, `${EXTENSIONS[key]} is not installed`);
      assert.equal(extension.isActive, false, `${EXTENSIONS[key]} was already active: the workspace must not trigger it`);
      const started = performance.now();
      await extension.activate();
      times[key] = performance.now() - started;
    }
    console.log(`ACTIVATION_TIMES ${JSON.stringify(times)}`);
  });
});
