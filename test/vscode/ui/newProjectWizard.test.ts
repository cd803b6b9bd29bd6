import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTemplate } from '../../support/cookiecutterTemplates';
import { makeTempDir, venvPython } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('MLflow: New Project wizard in the real workbench', () => {
  let workbench: Workbench;
  let workspace: string;
  // A team's own template: a boolean, a choice with __prompts__ labels, a default computed from an earlier answer.
  const userTemplate = writeTemplate(
    {
      project_name: 'Team Thing',
      project_slug: "{{ cookiecutter.project_name.lower().replace(' ', '_') }}",
      use_docker: true,
      cloud: ['aws', 'azure', 'gcp'],
      __prompts__: { use_docker: 'Ship a Dockerfile?', cloud: { __prompt__: 'Which cloud?', azure: 'Microsoft Azure' } },
    },
    {
      '{{cookiecutter.project_slug}}/README.md': '# {{ cookiecutter.project_name }} on {{ cookiecutter.cloud }}\n',
      '{{cookiecutter.project_slug}}/{% if cookiecutter.use_docker %}Dockerfile{% endif %}': 'FROM python:3.11\n',
    },
  );
  before(async () => {
    workspace = makeTempDir('wizard');
    workbench = await Workbench.open({ workspace, settings: { 'mlflow.pythonPath': venvPython, 'mlflow.templates': [userTemplate] } });
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
    // Every other question keeps its default until the summary. Each step is read once it is shown:
    // between steps the widget is hidden while cookiecutter computes the next default or renders.
    for (let i = 0; i < 40; i++) {
      await title.waitFor({ timeout: 30_000 });
      if (/summary/.test(await title.innerText())) break;
      await answer();
    }
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

  it('walks a user template: the slug default computed from the name, a yes/no question, a labelled choice, Back, the summary', async () => {
    const widget = workbench.page.locator('.quick-input-widget');
    const title = widget.locator('.quick-input-title');
    await workbench.runCommand('MLflow: New Project');
    await answer('template'); // the user template, by its folder name
    await answer(); // folder: the workspace
    await answer('Fraud Finder'); // project name
    await title.filter({ hasText: 'project_slug' }).waitFor({ timeout: 30_000 });
    assert.equal(await widget.locator('input').inputValue(), 'fraud_finder');
    await answer(); // the slug as cookiecutter computed it
    await title.filter({ hasText: 'Ship a Dockerfile?' }).waitFor({ timeout: 30_000 });
    await answer('Yes');
    await title.filter({ hasText: 'Which cloud?' }).waitFor({ timeout: 30_000 });
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Microsoft Azure' }).first().waitFor({ timeout: 20_000 });
    // Back to the yes/no question, change the answer to No, then on to the choice again.
    await widget.locator('.quick-input-header .codicon-quick-input-back, .quick-input-titlebar .codicon-quick-input-back').first().click();
    await title.filter({ hasText: 'Ship a Dockerfile?' }).waitFor({ timeout: 30_000 });
    await answer('No');
    await title.filter({ hasText: 'Which cloud?' }).waitFor({ timeout: 30_000 });
    await answer('Microsoft Azure');
    await answer(); // git: yes
    await title.filter({ hasText: 'summary' }).waitFor({ timeout: 30_000 });
    const create = widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Create fraud_finder' }).first();
    await create.waitFor({ timeout: 30_000 });
    assert.match(await widget.locator('.quick-input-list').innerText(), /use_docker=no, cloud=azure/);
    await workbench.screenshot('new-project-user-template-summary');
    await answer();
    await workbench.notification('Created the MLflow project fraud_finder').waitFor({ timeout: 60_000 });
    const project = path.join(workspace, 'fraud_finder');
    assert.equal(fs.readFileSync(path.join(project, 'README.md'), 'utf8'), '# Fraud Finder on azure\n');
    assert.equal(fs.existsSync(path.join(project, 'Dockerfile')), false);
    assert.ok(fs.existsSync(path.join(project, '.git')));
  });
});
