import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { pathExists } from '../../engine/workspace/pathExists';
import { checkDatabricksWorkspace } from '../../engine/databricks/workspaceCheck';
import {
  checkMlflowImport,
  createVenvWithMlflow,
  interpreterProblemMessage,
  mlflowRequirement,
  resolveInterpreter,
  VENV_CANDIDATES,
  type ResolvedInterpreter,
} from '../../engine/launching/pythonInterpreter';
import { getOutputChannel } from '../outputChannel';

const SELECT_INTERPRETER = 'Select Interpreter…';
const CREATE_VENV = 'Create .venv with MLflow';
const SIGN_IN = 'Sign in to Databricks…';

/** The interpreter launches and servers of `folder` use, and why (mlflow.pythonPath, Python extension, .venv, PATH). */
export async function resolveWorkspaceInterpreter(folder: string | undefined): Promise<ResolvedInterpreter> {
  const setting = vscode.workspace
    .getConfiguration('mlflow', folder ? vscode.Uri.file(folder) : undefined)
    .get<string>('pythonPath')
    ?.trim();
  const pythonExtension = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } } }>(
    'ms-python.python',
  );
  let fromPythonExtension: string | undefined;
  if (!setting && pythonExtension) {
    try {
      const api = pythonExtension.isActive ? pythonExtension.exports : await pythonExtension.activate();
      fromPythonExtension = api?.environments?.getActiveEnvironmentPath(folder ? vscode.Uri.file(folder) : undefined).path;
    } catch {
      fromPythonExtension = undefined;
    }
  }
  return resolveInterpreter({
    configured: setting ? { python: setting, source: 'setting', name: 'mlflow.pythonPath' } : undefined,
    unset: setting ? [] : ['mlflow.pythonPath'],
    fromPythonExtension,
    askedPythonExtension: pythonExtension !== undefined,
    folder,
  });
}

/**
 * The interpreter for a local launch of `projectDir`, once it can `import mlflow`; otherwise says
 * which one was tried and why, offers Select Interpreter… and (without a .venv) Create .venv with
 * MLflow, and resolves undefined when the user leaves it there. Runs before any parameter prompt.
 */
export async function interpreterForLaunch(projectDir: string): Promise<string | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(projectDir))?.uri.fsPath ?? projectDir;
  for (let attempt = 0; attempt < 3; attempt++) {
    const resolved = await resolveWorkspaceInterpreter(folder);
    const status = vscode.window.setStatusBarMessage(`$(sync~spin) MLflow: checking ${resolved.python}`);
    const check = await checkMlflowImport(resolved.python).finally(() => status.dispose());
    if (check.ok) return resolved.python;
    const message = interpreterProblemMessage(resolved, check.problem);
    getOutputChannel().warn(message);
    const hasVenv = (await Promise.all(VENV_CANDIDATES.map((candidate) => pathExists(path.join(folder, candidate))))).some(Boolean);
    const actions = hasVenv ? [SELECT_INTERPRETER] : [SELECT_INTERPRETER, CREATE_VENV];
    const action = await vscode.window.showErrorMessage(message, ...actions);
    if (action === SELECT_INTERPRETER) {
      if (!(await selectInterpreter(folder, resolved))) return undefined;
    } else if (action === CREATE_VENV) {
      const requirement = await mlflowRequirement();
      const python = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `MLflow: creating ${path.join(folder, '.venv')} with ${requirement}` },
        () => createVenvWithMlflow(folder, requirement, { onOutput: (text) => getOutputChannel().info(text.trimEnd()) }),
      );
      // An explicit choice would still win over the new .venv: point it there.
      if (resolved.source === 'setting' || resolved.source === 'pythonExtension') await setPythonPath(folder, python);
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The Python extension's picker when it decides, else a file dialog that sets mlflow.pythonPath. */
async function selectInterpreter(folder: string, resolved: ResolvedInterpreter): Promise<boolean> {
  if (resolved.source !== 'setting' && vscode.extensions.getExtension('ms-python.python')) {
    await vscode.commands.executeCommand('python.setInterpreter');
    return true;
  }
  const picked = await vscode.window.showOpenDialog({
    title: 'Python interpreter with MLflow installed',
    canSelectFiles: true,
    canSelectFolders: false,
    defaultUri: vscode.Uri.file(folder),
    openLabel: 'Use this interpreter',
  });
  if (!picked?.[0]) return false;
  await setPythonPath(folder, picked[0].fsPath);
  return true;
}

async function setPythonPath(folder: string, python: string): Promise<void> {
  const hasFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder)) !== undefined;
  await vscode.workspace
    .getConfiguration('mlflow', vscode.Uri.file(folder))
    .update('pythonPath', python, hasFolder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global);
}

/**
 * True when the configured Databricks workspace answers (SCIM Me); otherwise says what is wrong
 * with Sign in to Databricks… (when this build has it) and Open ~/.databrickscfg. Runs before any
 * parameter prompt of a Databricks launch.
 */
export async function databricksWorkspaceReady(): Promise<boolean> {
  const profile = vscode.workspace.getConfiguration('mlflow').get<string>('databricks.profile') || undefined;
  const status = vscode.window.setStatusBarMessage('$(sync~spin) MLflow: checking the Databricks workspace');
  const check = await checkDatabricksWorkspace(profile).finally(() => status.dispose());
  if (check.ok) return true;
  getOutputChannel().warn(`Databricks launch: ${check.problem}`);
  const canSignIn = (await vscode.commands.getCommands(true)).includes(COMMANDS.signInToDatabricks);
  const openConfig = `Open ${displayPath(check.configFile)}`;
  const action = await vscode.window.showErrorMessage(`Cannot launch on Databricks: ${check.problem}`, ...(canSignIn ? [SIGN_IN] : []), openConfig);
  if (action === SIGN_IN) await vscode.commands.executeCommand(COMMANDS.signInToDatabricks);
  if (action === openConfig) await openDatabricksConfig(check.configFile, profile);
  return false;
}

/** Opens the Databricks config file; a missing one opens as a new file there with a profile to fill in. */
async function openDatabricksConfig(file: string, profile: string | undefined): Promise<void> {
  if (await pathExists(file)) {
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    return;
  }
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(file).with({ scheme: 'untitled' }));
  await editor.insertSnippet(
    new vscode.SnippetString(`[${profile ?? 'DEFAULT'}]\nhost = \${1:https://<workspace>.cloud.databricks.com}\ntoken = \${2:<personal access token>}\n`),
  );
}

function displayPath(file: string): string {
  const home = os.homedir();
  return file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;
}
