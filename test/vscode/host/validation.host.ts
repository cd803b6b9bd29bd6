import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitUntil } from '../../support/waitUntil';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function diagnosticsFor(uri: vscode.Uri, until: (d: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  let found: vscode.Diagnostic[] = [];
  const matched = () => {
    found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MLflow');
    return until(found) && found;
  };
  return waitUntil(`the MLflow diagnostics of ${path.basename(uri.fsPath)} match`, matched, {
    timeoutMs: 20_000,
    lastState: () => JSON.stringify(found.map((d) => [d.code, d.message])),
  });
}

suite('MLproject validation in the editor', () => {
  let doc: vscode.TextDocument;
  suiteSetup(async () => {
    await vscode.extensions.getExtension('mlflow-workbench.mlflow-workbench')!.activate();
    doc = await vscode.workspace.openTextDocument(path.join(folder(), 'MLproject'));
    await vscode.window.showTextDocument(doc);
  });

  test('a broken MLproject gets diagnostics with MLflow as source, codes and exact ranges', async () => {
    const found = await diagnosticsFor(doc.uri, (d) => d.length >= 3);
    const byCode = new Map(found.map((d) => [String(d.code), d]));
    const flot = byCode.get('mlproject/unknown-parameter-type');
    assert.ok(flot, `no unknown-parameter-type in ${[...byCode.keys()].join(', ')}`);
    assert.equal(doc.getText(flot.range), 'flot');
    const epochs = byCode.get('mlproject/undeclared-placeholder');
    assert.ok(epochs);
    assert.equal(doc.getText(epochs.range), '{epochs}');
    assert.equal(epochs.severity, vscode.DiagnosticSeverity.Error);
    const env = byCode.get('mlproject/env-file-not-found');
    assert.ok(env);
    assert.equal(doc.getText(env.range), 'python_env.yaml');
  });

  test('the did-you-mean quick fix corrects the type and the diagnostic goes away', async () => {
    const [flot] = (await diagnosticsFor(doc.uri, (d) => d.some((x) => x.code === 'mlproject/unknown-parameter-type'))).filter(
      (d) => d.code === 'mlproject/unknown-parameter-type',
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, flot.range);
    const fix = actions.find((a) => a.title === "Change type to 'float'");
    assert.ok(fix?.edit, `no fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.match(doc.getText(), /alpha: \{type: float, default: 0\.5\}/);
    await diagnosticsFor(doc.uri, (d) => !d.some((x) => x.code === 'mlproject/unknown-parameter-type'));
  });

  test('the create-file quick fix creates the missing python_env.yaml', async () => {
    const [env] = (await diagnosticsFor(doc.uri, (d) => d.some((x) => x.code === 'mlproject/env-file-not-found'))).filter(
      (d) => d.code === 'mlproject/env-file-not-found',
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, env.range);
    const create = actions.find((a) => /Create python_env\.yaml/.test(a.title));
    assert.ok(create?.edit);
    assert.equal(await vscode.workspace.applyEdit(create.edit), true);
    assert.ok(fs.existsSync(path.join(folder(), 'python_env.yaml')));
    // Editing the MLproject re-validates it; the file now exists.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# re-check\n');
    await vscode.workspace.applyEdit(edit);
    await diagnosticsFor(doc.uri, (d) => !d.some((x) => x.code === 'mlproject/env-file-not-found'));
  });

  test('completion offers parameter types and declared {parameters} in commands; hover explains keys', async () => {
    const text = doc.getText();
    const typeValue = doc.positionAt(text.indexOf('type: ') + 'type: '.length);
    const types = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, typeValue);
    const labels = types.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const t of ['string', 'float', 'path', 'uri']) assert.ok(labels.includes(t), `no ${t} in ${labels.slice(0, 20).join(', ')}`);

    const inPlaceholder = doc.positionAt(text.indexOf('{alpha}') + 1);
    const params = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, inPlaceholder);
    assert.ok(params.items.some((i) => i.label === 'alpha'));

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      doc.positionAt(text.indexOf('entry_points') + 2),
    );
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(hoverText, /mlflow run -e/);
    assert.match(hoverText, /mlflow\.org\/docs/);
  });

  test('files on disk that are not open are validated too (workspace scan)', async () => {
    const conda = vscode.Uri.file(path.join(folder(), 'envs', 'conda.yaml'));
    const found = await diagnosticsFor(conda, (d) => d.length > 0);
    assert.ok(
      found.some((d) => String(d.code).startsWith('conda/')),
      JSON.stringify(found.map((d) => d.code)),
    );
  });

  test("a cluster JSON opened while the workspace scan reads it keeps the open file's diagnostics (no schema findings twice)", async () => {
    const file = path.join(folder(), 'race-cluster.json');
    fs.writeFileSync(file, '{\n  "spark_version": "15.4.x-scala2.12",\n  "node_type_id": "i3.xlarge",\n  "num_workers": "2"\n}\n');
    const uri = vscode.Uri.file(file);
    // The scan and the opening at once: whichever finishes last, the open file's check is what stays.
    const scan = vscode.commands.executeCommand('mlflow.validateWorkspace');
    const opened = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(opened);
    await scan;
    await diagnosticsFor(uri, () => true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MLflow');
    assert.deepEqual(
      found.filter((d) => d.code === 'cluster/invalid-type').map((d) => d.message),
      [],
      'the open file leaves num_workers "2" to its JSON schema',
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
