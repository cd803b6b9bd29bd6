import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'mlflow-workbench.mlflow-workbench';

suite('extension in the real extension host', () => {
  test('activates in a workspace that contains an MLproject', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not installed`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('registers every command its manifest declares, and no other mlflow.* command', async () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    const declared = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(declared.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
    // mlflow.<name>: VS Code's own view commands (mlflow.runs.focus) have a second dot.
    const undeclared = [...registered].filter((id) => /^mlflow\.\w+$/.test(id) && !declared.includes(id));
    assert.deepEqual(undeclared, [], `registered but not declared: ${undeclared.join(', ')}`);
  });
});
