import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('MLflow: New Project wizard in the real workbench', () => {
  let workbench: Workbench;
  let workspace: string;
  before(async () => {
    workspace = makeTempDir('wizard');
    workbench = await Workbench.open({ workspace });
  });
  after(() => workbench?.close());

  /** Answers the current step (typing `value` if given) and waits for the next one. */
  async function answer(value?: string): Promise<void> {
    const widget = workbench.page.locator('.quick-input-widget');
    const title = widget.locator('.quick-input-title');
    await title.waitFor({ timeout: 20_000 });
    const before = await title.innerText();
    if (value !== undefined) await widget.locator('input').fill(value);
    await workbench.page.keyboard.press('Enter');
    for (let i = 0; i < 100; i++) {
      if (!(await widget.isVisible()) || (await title.innerText().catch(() => '')) !== before) return;
      await workbench.page.waitForTimeout(100);
    }
    throw new Error(`the wizard did not move past "${before}"`);
  }

  it('walks template, folder and questions, shows a summary, writes the project and opens its MLproject', async () => {
    await workbench.runCommand('MLflow: New Project');
    await answer(); // template: mlflow-sklearn
    await answer(); // folder: the workspace
    await answer('Churn Model'); // project name
    const title = workbench.page.locator('.quick-input-widget .quick-input-title');
    // Every other question keeps its default until the summary.
    for (let i = 0; i < 40 && !/summary/.test(await title.innerText()); i++) await answer();
    assert.match(await title.innerText(), /summary/);
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create churn_model' }).first().waitFor({ timeout: 20_000 });
    await workbench.screenshot('new-project-summary');
    await answer();
    await workbench.notification('Created the MLflow project churn_model').waitFor({ timeout: 60_000 });
    const project = path.join(workspace, 'churn_model');
    for (const file of ['MLproject', 'python_env.yaml', 'tests', '.github/workflows/ci.yml', '.git']) {
      assert.ok(fs.existsSync(path.join(project, file)), `${file} was not created`);
    }
    await workbench.page.locator('.tabs-container .tab', { hasText: 'MLproject' }).first().waitFor({ timeout: 20_000 });
    await workbench.screenshot('new-project-created');
  });
});
