import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  chooseNestedTemplate,
  CookiecutterMissingError,
  cookiecutterVersion,
  disposePreparedTemplate,
  formatAnswer,
  gitInit,
  listBuiltInTemplates,
  loadTemplate,
  loadUserTemplate,
  packageNameProblem,
  planScaffold,
  prepareTemplate,
  renderProject,
  templateCode,
  templateContext,
  writeScaffold,
  type LoadedTemplate,
  type RenderedProject,
  type TemplateAnswer,
  type TemplateAnswers,
  type TemplateVariable,
} from '../../engine/scaffolding';
import { pathExists } from '../../engine/workspace/pathExists';
import { runProcess } from '../../engine/launching/childProcess';
import { resolveWorkspaceInterpreter } from '../launching/launchPrechecks';
import { getOutputChannel } from '../outputChannel';

const BACK = Symbol('back');
type Step<T> = T | typeof BACK | undefined;

interface WizardState {
  python: string;
  template?: LoadedTemplate;
  /** The user consented to the template's hooks and extensions (listed on the consent step). */
  allowTemplateCode: boolean;
  answers: TemplateAnswers;
  parent?: string;
  git: boolean;
  /** What the summary rendered: written as is when the user confirms. */
  project?: RenderedProject;
}

/**
 * "MLflow: New Project": a multi-step quick input (with Back on every step) built from the
 * template's cookiecutter.json: text, choices, yes/no and JSON questions whose defaults cookiecutter
 * computes from the earlier answers; consent before a template's own code (hooks, extensions) runs;
 * a summary of what cookiecutter rendered before anything is written; a question before any existing
 * file is overwritten; git init; then the new MLproject and train script open.
 */
export async function runNewProjectWizard(): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const python = (await resolveWorkspaceInterpreter(folder)).python;
  if (!(await ensureCookiecutter(python))) return undefined;
  const state: WizardState = { python, allowTemplateCode: false, answers: {}, git: true };
  const steps: (() => Promise<Step<unknown>>)[] = [];
  const position = (step: () => Promise<Step<unknown>>) => ({ step: steps.indexOf(step) + 1, total: steps.length });

  /** The steps after the template: consent (if it has code), folder, its questions, git, summary. */
  const rebuildSteps = () => {
    const template = state.template!;
    const variableSteps = template.variables.map((variable) => {
      const ask = async (): Promise<Step<unknown>> => askVariable(state, variable, position(ask));
      return ask;
    });
    const consent = templateCode(template).length > 0 ? [askConsent] : [];
    steps.splice(1, steps.length - 1, ...consent, chooseFolder, ...variableSteps, askGit, summary);
  };
  const chooseTemplate = async (): Promise<Step<unknown>> => {
    const picked = await pickTemplate(position(chooseTemplate));
    if (!picked || picked === BACK) return picked;
    if (state.template) await disposePreparedTemplate(state.template);
    state.template = picked;
    state.allowTemplateCode = false;
    state.answers = {};
    rebuildSteps();
    return picked;
  };
  const askConsent = async (): Promise<Step<unknown>> => {
    const allowed = await consentToTemplateCode(state.template!, position(askConsent));
    if (allowed !== true) return allowed === false ? undefined : allowed;
    state.allowTemplateCode = true;
    // A pre_prompt hook runs now, as in cookiecutter: the questions are those of the template it prepared.
    if (!state.template!.preparedDir) {
      state.template = await prepareTemplate(state.template!, { python: state.python, allowTemplateCode: true });
      if (state.template.preparedDir) rebuildSteps();
    }
    return allowed;
  };
  const chooseFolder = async (): Promise<Step<unknown>> => {
    const picked = await pickParentFolder(state.parent, position(chooseFolder));
    if (picked && picked !== BACK) state.parent = picked;
    return picked;
  };
  const askGit = async (): Promise<Step<unknown>> => {
    const picked = await quickPick(
      [
        { label: 'Yes', description: 'git init and a first commit (git hooks do not run for it)', value: true },
        { label: 'No', description: 'leave version control to me', value: false },
      ],
      { title: 'Initialize a git repository?', ...position(askGit) },
    );
    if (picked && picked !== BACK) state.git = picked.value;
    return picked;
  };
  const summary = async (): Promise<Step<unknown>> => {
    const options = { python: state.python, allowTemplateCode: state.allowTemplateCode };
    const project = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rendering ${state.template!.name} with cookiecutter` },
      () => renderProject(state.template!, state.answers, options),
    );
    state.project = project;
    const target = path.join(state.parent!, project.projectDirName);
    const plan = await planScaffold(project.files, target);
    const detail = state.template!.variables.map((v) => `${v.name}=${formatAnswer(project.context[v.name])}`).join(', ');
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
      { title: 'New MLflow project: summary', ...position(summary) },
    ).then((p) => (p && p !== BACK && !p.value ? undefined : p));
  };
  steps.push(chooseTemplate, chooseFolder, askGit, summary);

  try {
    for (let i = 0; i < steps.length;) {
      const result = await steps[i]();
      if (result === undefined) return undefined;
      if (result === BACK) {
        i = Math.max(0, i - 1);
        continue;
      }
      i++;
    }
    return await writeProject(state.project!, state.parent!, state.git);
  } finally {
    if (state.template) await disposePreparedTemplate(state.template);
  }
}

/** True when cookiecutter is there; else offers to install it into the interpreter (one click). */
async function ensureCookiecutter(python: string): Promise<boolean> {
  try {
    await cookiecutterVersion(python);
    return true;
  } catch (err) {
    if (!(err instanceof CookiecutterMissingError)) throw err;
    const action = await vscode.window.showErrorMessage(`${err.message}`, 'Install cookiecutter');
    if (action !== 'Install cookiecutter') return false;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Installing ${err.installArgs.at(-1)} into ${python}` },
      () => runProcess(python, err.installArgs, { onOutput: (text) => getOutputChannel().append(text) }),
    );
    if (result.code !== 0) {
      void vscode.window.showErrorMessage(
        `Installing cookiecutter into ${python} failed (exit ${result.code}): ${result.spawnError ?? result.stderr.trim().split('\n').slice(-2).join(' ')}`,
      );
      return false;
    }
    return true;
  }
}

/** Asks before a template's own code may run, naming every hook and extension; only in a trusted workspace. */
async function consentToTemplateCode(template: LoadedTemplate, position: { step: number; total: number }): Promise<Step<boolean>> {
  const code = templateCode(template);
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(
      `The template '${template.name}' runs its own code (${code.join(', ')}), which MLflow Workbench allows only in a trusted workspace. Trust this workspace first, or pick another template.`,
    );
    return BACK;
  }
  for (;;) {
    const picked = await quickPick(
      [
        { label: '$(file-code) Show the code', description: 'opens the hook files and extension modules', value: 'show' as const },
        { label: '$(check) Run it', description: 'I trust this template', detail: code.join(', '), value: 'allow' as const },
        { label: '$(close) Cancel', value: 'cancel' as const },
      ],
      { title: `The template ${template.name} runs its own code while it renders: ${code.join(', ')}`, ...position },
    );
    if (!picked || picked === BACK) return picked;
    if (picked.value === 'allow') return true;
    if (picked.value === 'cancel') return false;
    // The hook files, the template's own extension modules (e.g. local_extensions.py), and cookiecutter.json naming the extensions.
    const candidates = template.extensions.map((e) => `${e.split('.')[0]}.py`);
    const present = await Promise.all(candidates.map((f) => pathExists(path.join(template.dir, f))));
    const modules = candidates.filter((_, i) => present[i]);
    for (const file of [...new Set([...template.hooks, ...modules, ...(template.extensions.length ? ['cookiecutter.json'] : [])])]) {
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(template.dir, file)), { preview: false });
    }
  }
}

async function writeProject(project: RenderedProject, parent: string, git: boolean): Promise<string | undefined> {
  const target = path.join(parent, project.projectDirName);
  const plan = await planScaffold(project.files, target);
  if (plan.blocked.length > 0) {
    void vscode.window.showErrorMessage(
      `Cannot write ${plan.blocked.join(', ')} in ${target}: a folder, a file or a symbolic link is in the way. Nothing was written.`,
    );
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
        emptyDirs: project.emptyDirs,
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
  getOutputChannel().info(
    `New project in ${target}: ${result.created.length} created, ${result.overwritten.length} overwritten, ${result.skipped.length} kept, ${result.unchanged.length} unchanged.`,
  );
  for (const file of ['MLproject', ...(await trainScripts(target))]) {
    const full = path.join(target, file);
    if (await pathExists(full)) await vscode.window.showTextDocument(vscode.Uri.file(full), { preview: false });
  }
  void vscode.window.showInformationMessage(`Created the MLflow project ${project.projectDirName} in ${target}.`, 'Open Folder').then((action) => {
    if (action) void vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(target), { forceNewWindow: false });
  });
  return target;
}

/** The project's train script(s): `src/<pkg>/train.py`, `<pkg>/train.py` or `train.py`. */
async function trainScripts(target: string): Promise<string[]> {
  const found: string[] = [];
  for (const base of ['src', '.']) {
    const entries = await fs.promises.readdir(path.join(target, base), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const rel = path.join(base, entry.name, 'train.py');
      if (entry.isDirectory() && (await pathExists(path.join(target, rel)))) found.push(path.normalize(rel));
    }
  }
  if (await pathExists(path.join(target, 'train.py'))) found.push('train.py');
  return found.slice(0, 1);
}

async function pickTemplate(position: { step: number; total: number }): Promise<Step<LoadedTemplate>> {
  const builtIn = (await listBuiltInTemplates()).map((t) => ({ label: t.name, description: 'built-in', detail: t.description, source: t.dir }));
  const user = (vscode.workspace.getConfiguration('mlflow').get<string[]>('templates') ?? []).map((source) => ({
    label: path.basename(source.replace(/\.git$/, '').replace(/\/+$/, '')),
    description: source,
    detail: 'from mlflow.templates',
    source,
  }));
  const picked = await quickPick([...builtIn, ...user], { title: 'New MLflow project: template', ...position, noBack: true });
  if (!picked || picked === BACK) return picked;
  let template: LoadedTemplate;
  try {
    const dir = (await pathExists(picked.source))
      ? picked.source
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fetching template ${picked.source}` }, () =>
          loadUserTemplate(picked.source),
        );
    template = await loadTemplate(dir);
  } catch (err) {
    void vscode.window.showErrorMessage(`Template ${picked.source}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  // A menu of templates (cookiecutter's "templates"): one more choice, as cookiecutter asks it.
  while (template.nestedTemplates) {
    const nested = await quickPick(
      template.nestedTemplates.map((n) => ({ label: n.title, description: n.description, value: n.key })),
      { title: `New MLflow project: which template of ${template.name}?`, ...position },
    );
    if (!nested || nested === BACK) return nested;
    template = await chooseNestedTemplate(template, nested.value);
  }
  return template;
}

async function pickParentFolder(current: string | undefined, position: { step: number; total: number }): Promise<Step<string>> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ label: f.uri.fsPath, description: 'workspace folder', value: f.uri.fsPath }));
  const items = [
    ...(current && !folders.some((f) => f.value === current) ? [{ label: current, description: 'chosen', value: current }] : []),
    ...folders,
    { label: '$(folder-opened) Browse…', value: '' },
  ];
  const picked = await quickPick(items, { title: 'New MLflow project: create it inside which folder?', ...position });
  if (!picked || picked === BACK) return picked;
  if (picked.value) return picked.value;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Project Here' });
  return chosen?.[0]?.fsPath ?? BACK;
}

/** One question: its default is what cookiecutter computes from the answers before it. */
async function askVariable(state: WizardState, variable: TemplateVariable, position: { step: number; total: number }): Promise<Step<TemplateAnswer>> {
  const template = state.template!;
  const before: TemplateAnswers = {};
  for (const v of template.variables) {
    if (v === variable) break;
    if (state.answers[v.name] !== undefined) before[v.name] = state.answers[v.name];
  }
  const previous = state.answers[variable.name];
  delete state.answers[variable.name];
  const computed = await templateContext(template, before, { python: state.python, allowTemplateCode: state.allowTemplateCode, upTo: variable.name });
  const proposed = previous ?? computed.values[variable.name];
  const title = `New MLflow project: ${variable.prompt ?? variable.name}`;
  let value: Step<TemplateAnswer>;
  if (variable.kind === 'choice') {
    const choices = computed.choices ?? variable.choices!;
    const items = choices.map((c) => ({ label: variable.choiceLabels?.[c] ?? c, description: variable.choiceLabels?.[c] ? c : undefined, value: c }));
    const picked = await quickPick(items, {
      title,
      ...position,
      placeholder: `${variable.name} (default ${choices[0]})`,
      active: items.find((i) => i.value === proposed),
    });
    value = picked === BACK || picked === undefined ? picked : picked.value;
  } else if (variable.kind === 'boolean') {
    const items = [
      { label: 'Yes', value: true },
      { label: 'No', value: false },
    ];
    const picked = await quickPick(items, {
      title,
      ...position,
      placeholder: `${variable.name} (default ${formatAnswer(proposed)})`,
      active: items.find((i) => i.value === proposed),
    });
    value = picked === BACK || picked === undefined ? picked : picked.value;
  } else if (variable.kind === 'dict') {
    const text = await inputBox({
      title,
      ...position,
      value: JSON.stringify(proposed ?? {}),
      prompt: `${variable.name}: a JSON object`,
      validate: (t) => {
        try {
          const parsed: unknown = JSON.parse(t);
          return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? undefined : 'Give a JSON object, such as {"key": "value"}.';
        } catch (err) {
          return `Not JSON: ${(err as Error).message}`;
        }
      },
    });
    value = typeof text === 'string' ? (JSON.parse(text) as Record<string, unknown>) : text;
  } else {
    value = await inputBox({
      title,
      ...position,
      value: formatAnswer(proposed ?? ''),
      prompt: variable.name,
      validate: (text) => (variable.pythonIdentifier ? packageNameProblem(text) : undefined),
    });
  }
  if (value !== undefined && value !== BACK) {
    state.answers[variable.name] = value;
    // A changed answer changes the defaults after it: later questions are computed afresh.
    if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(value)) {
      for (const later of template.variables.slice(template.variables.indexOf(variable) + 1)) delete state.answers[later.name];
    }
  } else if (previous !== undefined) state.answers[variable.name] = previous;
  return value;
}

interface PickItem<V> extends vscode.QuickPickItem {
  value?: V;
}

function quickPick<T extends PickItem<unknown>>(
  items: T[],
  options: { title: string; step: number; total: number; placeholder?: string; noBack?: boolean; active?: T },
): Promise<Step<T>> {
  const pick = vscode.window.createQuickPick<T>();
  pick.title = options.title;
  pick.step = options.step;
  pick.totalSteps = options.total;
  pick.items = items;
  if (options.active) pick.activeItems = [options.active];
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

function inputBox(options: {
  title: string;
  step: number;
  total: number;
  value: string;
  prompt: string;
  validate: (text: string) => string | undefined;
}): Promise<Step<string>> {
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
