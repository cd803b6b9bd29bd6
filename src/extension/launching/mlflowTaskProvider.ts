import * as path from 'node:path';
import * as vscode from 'vscode';
import { readProject } from '../../engine/launching/projectEntryPoints';
import { IGNORED_FOLDERS_GLOB } from '../../engine/workspace/ignoredFolders';
import type { TrackingConnections } from '../explorer/trackingConnections';
import { startLaunch, type Backend } from './launchSession';

interface MlflowTaskDefinition extends vscode.TaskDefinition {
  type: 'mlflow';
  entryPoint: string;
  project?: string;
  parameters?: Record<string, string>;
  backend?: Backend;
  experimentName?: string;
}

/**
 * `"type": "mlflow"` tasks in tasks.json (and one detected task per entry point), so runs can be
 * tasks and pre-launch steps. A task ends with the run's result.
 */
export class MlflowTaskProvider implements vscode.TaskProvider {
  static readonly type = 'mlflow';

  constructor(private readonly connections: TrackingConnections) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const files = await vscode.workspace.findFiles('**/{MLproject,mlproject}', IGNORED_FOLDERS_GLOB, 50);
    const tasks: vscode.Task[] = [];
    for (const file of files) {
      const folder = vscode.workspace.getWorkspaceFolder(file);
      if (!folder) continue;
      const project = path.relative(folder.uri.fsPath, path.dirname(file.fsPath)) || '.';
      for (const entry of (await readProject(path.dirname(file.fsPath))).entryPoints) {
        tasks.push(this.toTask({ type: 'mlflow', entryPoint: entry.name, project }, folder));
      }
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as MlflowTaskDefinition;
    if (!definition.entryPoint) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    return folder ? this.toTask(definition, folder) : undefined;
  }

  private toTask(definition: MlflowTaskDefinition, folder: vscode.WorkspaceFolder): vscode.Task {
    const projectDir = path.resolve(folder.uri.fsPath, definition.project ?? '.');
    const name = `${definition.project && definition.project !== '.' ? `${definition.project}: ` : ''}${definition.entryPoint} (${definition.backend ?? 'local'})`;
    const execution = new vscode.CustomExecution(async () => {
      // The task's terminal is the run's own terminal: it opens it and reports the result.
      const writeEmitter = new vscode.EventEmitter<string>();
      const closeEmitter = new vscode.EventEmitter<number>();
      return {
        onDidWrite: writeEmitter.event,
        onDidClose: closeEmitter.event,
        open: () => {
          writeEmitter.fire(`Launching ${name}; output in its MLflow terminal.\r\n`);
          void startLaunch(
            {
              projectDir,
              entryPoint: definition.entryPoint,
              parameters: definition.parameters ?? {},
              backend: definition.backend ?? 'local',
              experimentName: definition.experimentName,
            },
            this.connections,
            () => undefined,
          ).then((state) => {
            writeEmitter.fire(`${state?.phase ?? 'failed'}${state?.message ? `: ${state.message}` : ''}\r\n`);
            closeEmitter.fire(state?.phase === 'finished' ? 0 : 1);
          });
        },
        close: () => undefined,
      };
    });
    return new vscode.Task(definition, folder, name, 'mlflow', execution);
  }
}
