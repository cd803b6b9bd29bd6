import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  gitInit,
  listBuiltInTemplates,
  loadTemplate,
  loadUserTemplate,
  packageNameProblem,
  planScaffold,
  renderTemplate,
  resolveAnswers,
  writeScaffold,
  type LoadedTemplate,
  type TemplateVariable,
} from '../../engine/scaffolding';
import { getOutputChannel } from '../outputChannel';

const BACK = Symbol('back');
type Step<T> = T | typeof BACK | undefined;

/**
 * "MLflow: New Project": a multi-step quick input (with Back) over a cookiecutter-style template,
 * a summary before anything is written, a question before any existing file is overwritten,
 * progress while writing, git init, then the new MLproject and train script open.
 */
export async function runNewProjectWizard(): Promise<string | undefined> {
  const answers: Record<string, string> = {};
  let template: LoadedTemplate | undefined;
  let parent: string | undefined;
  let git = true;
  const steps: (() => Promise<Step<unknown>>)[] = [];
  let variableSteps: (() => Promise<Step<unknown>>)[] = [];

  const chooseTemplate = async (): Promise<Step<unknown>> => {
    const picked = await pickTemplate();
    if (!picked || picked === BACK) return picked;
    template = picked;
    for (const key of Object.keys(answers)) delete answers[key];
    variableSteps = template.variables.map((variable) => () => askVariable(template!, variable, answers));
    steps.splice(2, steps.length - 2, ...variableSteps, askGit, summary);
    return picked;
  };
  const chooseFolder = async (): Promise<Step<unknown>> => {
    const picked = await pickParentFolder(parent);
    if (picked && picked !== BACK) parent = picked;
    return picked;
  };
  const askGit = async (): Promise<Step<unknown>> => {
    const picked = await quickPick(
      [
        { label: 'Yes', description: 'git init and a first commit', value: true },
        { label: 'No', description: 'leave version control to me', value: false },
      ],
      { title: 'Initialize a git repository?', step: steps.indexOf(askGit) + 1, total: steps.length },
    );
    if (picked && picked !== BACK) git = picked.value;
    return picked;
  };
  const summary = async (): Promise<Step<unknown>> => {
    const resolved = resolveAnswers(template!, answers);
    const project = renderTemplate(template!, resolved);
    const target = path.join(parent!, project.projectDirName);
    const plan = planScaffold(project.files, target);
    const detail = Object.entries(resolved)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const existing = plan.conflicts.length + plan.identical.length;
    return quickPick(
      [
        {
          label: `$(check) Create ${project.projectDirName}`,
          description: `${project.files.length} files in ${target}${existing ? ` (${existing} exist already)` : ''}`,
          detail,
          value: true,
        },
        { label: '$(close) Cancel', value: false },
      ],
      { title: 'New MLflow project: summary', step: steps.length, total: steps.length },
    ).then((p) => (p && p !== BACK && !p.value ? undefined : p));
  };
  steps.push(chooseTemplate, chooseFolder, askGit, summary);

  for (let i = 0; i < steps.length; ) {
    const result = await steps[i]();
    if (result === undefined) return undefined;
    if (result === BACK) {
      i = Math.max(0, i - 1);
      continue;
    }
    i++;
  }
  return writeProject(template!, resolveAnswers(template!, answers), parent!, git);
}

async function writeProject(template: LoadedTemplate, answers: Record<string, string>, parent: string, git: boolean): Promise<string | undefined> {
  const project = renderTemplate(template, answers);
  const target = path.join(parent, project.projectDirName);
  const plan = planScaffold(project.files, target);
  if (plan.blocked.length > 0) {
    void vscode.window.showErrorMessage(`Cannot write ${plan.blocked.join(', ')} in ${target}: a folder or file is in the way. Nothing was written.`);
    return undefined;
  }
  let overwriteAll = false;
  if (plan.conflicts.length > 0) {
    const answer = await vscode.window.showWarningMessage(
      `${plan.conflicts.length} file(s) in ${target} exist with other content: ${plan.conflicts.slice(0, 8).join(', ')}${plan.conflicts.length > 8 ? ', …' : ''}. Overwrite them?`,
      { modal: true },
      'Overwrite',
      'Keep Existing Files',
    );
    if (!answer) return undefined;
    overwriteAll = answer === 'Overwrite';
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Creating ${project.projectDirName}`, cancellable: false },
    async (progress) => {
      const written = await writeScaffold(plan, project.files, target, {
        overwrite: () => overwriteAll,
        onProgress: (p) => progress.report({ message: p.relativePath, increment: 100 / p.total }),
      });
      if (git) {
        progress.report({ message: 'git init and first commit' });
        const g = await gitInit(target, { commit: true });
        if (!g.initialized && g.skippedReason) getOutputChannel().info(`git: ${g.skippedReason}`);
      }
      return written;
    },
  );
  getOutputChannel().info(`New project in ${target}: ${result.created.length} created, ${result.overwritten.length} overwritten, ${result.skipped.length} kept, ${result.unchanged.length} unchanged.`);
  for (const file of ['MLproject', ...trainScripts(target)]) {
    const full = path.join(target, file);
    if (fs.existsSync(full)) await vscode.window.showTextDocument(vscode.Uri.file(full), { preview: false });
  }
  void vscode.window.showInformationMessage(`Created the MLflow project ${project.projectDirName} in ${target}.`, 'Open Folder').then((action) => {
    if (action) void vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(target), { forceNewWindow: false });
  });
  return target;
}

/** The project's train script(s): `src/<pkg>/train.py`, `<pkg>/train.py` or `train.py`. */
function trainScripts(target: string): string[] {
  const found: string[] = [];
  for (const base of ['src', '.']) {
    const dir = path.join(target, base);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const rel = path.join(base, entry.name, 'train.py');
      if (entry.isDirectory() && fs.existsSync(path.join(target, rel))) found.push(path.normalize(rel));
    }
  }
  if (fs.existsSync(path.join(target, 'train.py'))) found.push('train.py');
  return found.slice(0, 1);
}

async function pickTemplate(): Promise<Step<LoadedTemplate>> {
  const builtIn = listBuiltInTemplates().map((t) => ({ label: t.name, description: 'built-in', detail: t.description, source: t.dir }));
  const user = (vscode.workspace.getConfiguration('mlflow').get<string[]>('templates') ?? []).map((source) => ({
    label: path.basename(source.replace(/\.git$/, '').replace(/\/+$/, '')),
    description: source,
    detail: 'from mlflow.templates',
    source,
  }));
  const picked = await quickPick([...builtIn, ...user], { title: 'New MLflow project: template', step: 1, total: 2, noBack: true });
  if (!picked || picked === BACK) return picked;
  try {
    const dir = fs.existsSync(picked.source)
      ? picked.source
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fetching template ${picked.source}` }, () => loadUserTemplate(picked.source));
    return loadTemplate(dir);
  } catch (err) {
    void vscode.window.showErrorMessage(`Template ${picked.source}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

async function pickParentFolder(current: string | undefined): Promise<Step<string>> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ label: f.uri.fsPath, description: 'workspace folder', value: f.uri.fsPath }));
  const items = [...(current && !folders.some((f) => f.value === current) ? [{ label: current, description: 'chosen', value: current }] : []), ...folders, { label: '$(folder-opened) Browse…', value: '' }];
  const picked = await quickPick(items, { title: 'New MLflow project: create it inside which folder?', step: 2, total: 3 });
  if (!picked || picked === BACK) return picked;
  if (picked.value) return picked.value;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Project Here' });
  return chosen?.[0]?.fsPath ?? BACK;
}

async function askVariable(template: LoadedTemplate, variable: TemplateVariable, answers: Record<string, string>): Promise<Step<string>> {
  delete answers[variable.name];
  let defaults: Record<string, string> = {};
  try {
    defaults = resolveAnswers(template, answers);
  } catch {
    // A default that cannot render yet: the user types the value.
  }
  const index = template.variables.indexOf(variable);
  const title = `New MLflow project: ${variable.prompt ?? variable.name}`;
  const step = index + 3;
  const total = template.variables.length + 4;
  let value: Step<string>;
  if (variable.choices) {
    const picked = await quickPick(
      variable.choices.map((c) => ({ label: c, value: c })),
      { title, step, total, placeholder: `${variable.name} (default ${variable.choices[0]})` },
    );
    value = picked === BACK || picked === undefined ? picked : picked.value;
  } else {
    value = await inputBox({
      title,
      step,
      total,
      value: defaults[variable.name] ?? variable.default,
      prompt: variable.name,
      validate: (text) => (variable.pythonIdentifier ? packageNameProblem(text) : undefined),
    });
  }
  if (typeof value === 'string') answers[variable.name] = value;
  return value;
}

interface PickItem<V> extends vscode.QuickPickItem {
  value?: V;
}

function quickPick<T extends PickItem<unknown>>(items: T[], options: { title: string; step: number; total: number; placeholder?: string; noBack?: boolean }): Promise<Step<T>> {
  const pick = vscode.window.createQuickPick<T>();
  pick.title = options.title;
  pick.step = options.step;
  pick.totalSteps = options.total;
  pick.items = items;
  pick.placeholder = options.placeholder;
  pick.ignoreFocusOut = true;
  pick.buttons = options.noBack ? [] : [vscode.QuickInputButtons.Back];
  return new Promise((resolve) => {
    pick.onDidTriggerButton(() => {
      resolve(BACK);
      pick.hide();
    });
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

function inputBox(options: { title: string; step: number; total: number; value: string; prompt: string; validate: (text: string) => string | undefined }): Promise<Step<string>> {
  const input = vscode.window.createInputBox();
  input.title = options.title;
  input.step = options.step;
  input.totalSteps = options.total;
  input.value = options.value;
  input.prompt = options.prompt;
  input.ignoreFocusOut = true;
  input.buttons = [vscode.QuickInputButtons.Back];
  return new Promise((resolve) => {
    input.onDidChangeValue((text) => {
      input.validationMessage = options.validate(text);
    });
    input.onDidTriggerButton(() => {
      resolve(BACK);
      input.hide();
    });
    input.onDidAccept(() => {
      const problem = options.validate(input.value);
      if (problem) {
        input.validationMessage = problem;
        return;
      }
      resolve(input.value);
      input.hide();
    });
    input.onDidHide(() => {
      resolve(undefined);
      input.dispose();
    });
    input.show();
  });
}
