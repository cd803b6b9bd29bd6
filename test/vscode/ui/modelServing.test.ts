// Serving a registered model from the Model Registry tree with a real `mlflow models serve`, then
// sending its saved input example and reading the model's answer in the editor.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { logDiabetesModel, type LoggedDiabetesModel } from '../../support/loggedModel';
import { uniqueName, useMlflowServer } from '../../support/mlflowServer';
import { copyFixture, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('serving a model locally from the real workbench', { timeout: 300_000 }, () => {
  let workbench: Workbench;
  let workspace: string;
  let logged: LoggedDiabetesModel;
  const modelName = uniqueName('ui-served');

  before(async () => {
    const { url } = await useMlflowServer();
    const client = new MlflowRestClient({ baseUrl: url });
    logged = await logDiabetesModel(url, uniqueName('ui-serving'));
    await client.createRegisteredModel(modelName);
    await client.createModelVersion(modelName, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
    workspace = copyFixture('example-project');
    workbench = await Workbench.open({ workspace, settings: { 'mlflow.trackingUri': url, 'mlflow.pythonPath': venvPython } });
  });
  after(() => workbench?.close());

  it('serves a version from the registry tree, answers its input example, and stops', async () => {
    const page = workbench.page;
    await workbench.openViewContainer('MLflow');
    await workbench.expand('Model Registry', modelName);
    await workbench.contextMenu('Model Registry', 'Version 1', 'Serve Model Locally');

    // The server's log goes to a terminal the extension owns; the status bar shows the served model.
    await workbench.notification(`Serving ${modelName} v1 at http://127.0.0.1:`).waitFor({ timeout: 180_000 });
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: `${modelName} v1 :` }).first();
    await status.waitFor({ timeout: 10_000 });

    await workbench.runCommand('MLflow: Send Test Request…');
    const example = page.locator('.quick-input-list .monaco-list-row', { hasText: "The model's saved input example" }).first();
    await example.waitFor({ timeout: 20_000 });
    await example.click();

    // The answer opens beside as JSON: the predictions are the ones the model makes in Python.
    const editor = page.locator('.editor-instance .view-lines').filter({ hasText: '"predictions"' }).first();
    await editor.waitFor({ timeout: 60_000 });
    const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /"status": 200/);
    assert.ok(text.includes(String(logged.expected_example[0])), `the first prediction ${logged.expected_example[0]} is not in:\n${text}`);
    await workbench.screenshot('model-serving');

    // The example is kept with the model's sample requests in the workspace.
    const saved = path.join(workspace, '.mlflow', 'requests', modelName, 'input-example.json');
    assert.ok(fs.existsSync(saved), `${saved} was not written`);
    assert.ok(JSON.parse(fs.readFileSync(saved, 'utf8')).dataframe_split, 'the saved request is the serving input example');

    await workbench.runCommand('MLflow: Stop Model Server');
    await status.waitFor({ state: 'hidden', timeout: 30_000 });
  });
});
