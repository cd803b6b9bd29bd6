import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

suite('launching from the editor: CodeLens and tasks', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension('mlflow-workbench.mlflow-workbench')!.activate();
  });

  test('each entry point of an MLproject gets Run locally and Run on Databricks lenses', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'MLproject'));
    await vscode.window.showTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const mine = lenses.filter((l) => l.command?.command === 'mlflow.launchRun');
    assert.deepEqual(
      mine.map((l) => [l.command!.title, l.command!.arguments?.[1], l.command!.arguments?.[2], l.range.start.line]),
      [
        ['$(play) Run locally', 'main', 'local', 5],
        ['$(cloud) Run on Databricks', 'main', 'databricks', 5],
      ],
    );
    assert.equal(mine[0].command!.arguments?.[0], folder());
  });

  test('the mlflow task type offers one task per entry point', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlflow' });
    assert.deepEqual(
      tasks.map((t) => [t.name, t.definition.entryPoint, t.source]),
      [['main (local)', 'main', 'mlflow']],
    );
  });
});
