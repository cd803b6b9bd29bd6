import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { pathExists } from '../../engine/workspace/pathExists';
import { branchExperimentName } from '../../engine/launching/experimentNaming';
import { checkParameters, findMlprojectFile, readProject, type ProjectEntryPoint } from '../../engine/launching/projectEntryPoints';
import { tagValue } from '../../engine/explorer/runListing';
import { IGNORED_FOLDERS_GLOB } from '../../engine/workspace/ignoredFolders';
import type { ExplorerNode } from '../explorer/explorerNodes';
import type { RunsTreeProvider } from '../explorer/runsTreeProvider';
import type { TrackingConnections } from '../explorer/trackingConnections';
import { registerGuardedCommand } from '../guardedCommand';
import { startLaunch, type Backend, type LaunchSpec } from './launchSession';
import { EntryPointCodeLens } from './entryPointCodeLens';
import { databricksWorkspaceReady, interpreterForLaunch } from './launchPrechecks';
import { MlflowTaskProvider } from './mlflowTaskProvider';

const LAST_VALUES_KEY = 'mlflow.lastParameters';

/** "Run MLflow Entry Point", the CodeLens run buttons, re-run from the Runs view and the mlflow task type. */
export function registerLaunching(context: vscode.ExtensionContext, connections: TrackingConnections, runsTree: RunsTreeProvider): void {
  const launch = async (spec: LaunchSpec) => startLaunch(spec, connections, () => runsTree.refresh());

  context.subscriptions.push(
    registerGuardedCommand(COMMANDS.launchRun, async (projectDir?: string, entryPoint?: string, backend?: Backend) => {
      const dir = projectDir ?? (await pickProject());
      if (!dir) return undefined;
      const spec = await askLaunch(context, dir, entryPoint, backend);
      return spec ? launch(spec) : undefined;
    }),
    registerGuardedCommand(COMMANDS.rerunRun, async (node?: ExplorerNode, backendArg?: Backend) => {
      if (node?.type !== 'run') return undefined;
      const source = tagValue(node.run, 'mlflow.source.name') ?? '';
      const projectDir = source.startsWith('file://') ? vscode.Uri.parse(source).fsPath : source;
      const entryPoint = tagValue(node.run, 'mlflow.project.entryPoint');
      if (!projectDir || !(await pathExists(projectDir)) || !(await findMlprojectFile(projectDir)) || !entryPoint) {
        void vscode.window.showWarningMessage(
          `Run ${node.run.info.run_name ?? node.run.info.run_id} was not launched from a local MLflow project that exists here (source: ${source || 'unknown'}).`,
        );
        return undefined;
      }
      const parameters = Object.fromEntries((node.run.data.params ?? []).map((p) => [p.key, p.value]));
      const backend = backendArg ?? (await pickBackend());
      if (!backend) return undefined;
      const python = await launchPrechecks(projectDir, backend);
      if (python === undefined) return undefined;
      const experimentName = (await node.connection.client.getExperiment(node.run.info.experiment_id)).name;
      return launch({ projectDir, entryPoint, parameters, backend, experimentName, python: python || undefined });
    }),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/{MLproject,mlproject}' }, new EntryPointCodeLens()),
    vscode.tasks.registerTaskProvider(MlflowTaskProvider.type, new MlflowTaskProvider(connections)),
  );
}

async function pickProject(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /^mlproject$/i.test(path.basename(active.fsPath))) return path.dirname(active.fsPath);
  const files = await vscode.workspace.findFiles('**/{MLproject,mlproject}', IGNORED_FOLDERS_GLOB, 200);
  if (files.length === 0) {
    void vscode.window.showWarningMessage('No MLproject file in the workspace. Create one with "MLflow: New Project…".');
    return undefined;
  }
  if (files.length === 1) return path.dirname(files[0].fsPath);
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(path.dirname(f.fsPath)) || '.', dir: path.dirname(f.fsPath) })),
    { title: 'Run which MLflow project?' },
  );
  return picked?.dir;
}

async function pickBackend(): Promise<Backend | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: '$(play) Local', description: 'mlflow run on this machine', backend: 'local' as const },
      { label: '$(cloud) Databricks', description: 'Jobs API run on a new cluster (cluster.json)', backend: 'databricks' as const },
    ],
    { title: 'Run where?' },
  );
  return picked?.backend;
}

/**
 * What must hold before any parameter is asked: a local launch's interpreter imports mlflow, a
 * Databricks launch's workspace answers. The interpreter ('' for Databricks), or undefined to stop.
 */
async function launchPrechecks(projectDir: string, backend: Backend): Promise<string | undefined> {
  if (backend === 'databricks') return (await databricksWorkspaceReady()) ? '' : undefined;
  return interpreterForLaunch(projectDir);
}

/** Asks entry point and backend, checks what the backend needs, then parameters (typed, checked, last values remembered) and experiment. */
async function askLaunch(context: vscode.ExtensionContext, projectDir: string, entryPointName?: string, backendArg?: Backend): Promise<LaunchSpec | undefined> {
  const project = await readProject(projectDir);
  if (project.errors.length > 0) {
    const open = await vscode.window.showErrorMessage(
      `The MLproject in ${projectDir} has errors; fix them before launching:\n${project.errorLines.join('\n')}`,
      'Open MLproject',
    );
    if (open && project.mlprojectPath) await vscode.window.showTextDocument(vscode.Uri.file(project.mlprojectPath));
    return undefined;
  }
  let entryPoint: ProjectEntryPoint | undefined = project.entryPoints.find((e) => e.name === entryPointName);
  if (!entryPoint) {
    const picked = await vscode.window.showQuickPick(
      project.entryPoints.map((e) => ({ label: e.name, description: e.command, entryPoint: e })),
      { title: `Entry point of ${project.name ?? path.basename(projectDir)}` },
    );
    entryPoint = picked?.entryPoint;
  }
  if (!entryPoint) return undefined;
  const backend = backendArg ?? (await pickBackend());
  if (!backend) return undefined;
  const python = await launchPrechecks(projectDir, backend);
  if (python === undefined) return undefined;

  const memoryKey = `${projectDir}#${entryPoint.name}`;
  const remembered = context.workspaceState.get<Record<string, Record<string, string>>>(LAST_VALUES_KEY, {});
  const last = remembered[memoryKey] ?? {};
  const parameters: Record<string, string> = {};
  for (const parameter of entryPoint.parameters) {
    const initial = last[parameter.name] ?? parameter.default ?? '';
    let value: string | undefined;
    if (parameter.type === 'path') {
      const choice = await vscode.window.showQuickPick(
        [
          { label: initial ? `Keep ${initial}` : 'Type a value', value: 'keep' },
          { label: '$(file) Choose a file or folder…', value: 'browse' },
        ],
        { title: `${entryPoint.name}: ${parameter.name} (path)` },
      );
      if (!choice) return undefined;
      if (choice.value === 'browse') {
        const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, defaultUri: vscode.Uri.file(projectDir) });
        if (!uris?.[0]) return undefined;
        value = uris[0].fsPath;
      }
    }
    value ??= await vscode.window.showInputBox({
      title: `${entryPoint.name}: ${parameter.name} (${parameter.type})`,
      prompt: parameter.default !== undefined ? `default ${parameter.default}` : 'required',
      value: initial,
      validateInput: (text) => checkParameters({ ...entryPoint!, parameters: [parameter] }, { [parameter.name]: text })[0],
    });
    if (value === undefined) return undefined;
    parameters[parameter.name] = value;
  }
  await context.workspaceState.update(LAST_VALUES_KEY, { ...remembered, [memoryKey]: parameters });

  const config = vscode.workspace.getConfiguration('mlflow');
  let experimentName = config.get<string>('experimentName') || undefined;
  if (config.get<boolean>('branchExperiments')) {
    experimentName = await branchExperimentName(config.get<string>('experimentPattern') || '${projectName}/${branch}', projectDir);
  }
  return { projectDir, entryPoint: entryPoint.name, parameters, backend, experimentName, python: python || undefined };
}
