import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { artifactCacheRoot, downloadArtifactToCache } from '../../engine/artifacts/artifactDownloads';
import type { MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';

const TEXT_EXTENSIONS = new Set(['.txt', '.json', '.yaml', '.yml', '.md', '.py', '.csv', '.log', '.html', '.xml', '.toml', '.cfg', '.ini', '.sh', '.mlmodel']);
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp']);
const TEXT_NAMES = new Set(['MLmodel', 'requirements.txt', 'conda.yaml', 'python_env.yaml', 'MLproject']);

/**
 * Downloads one artifact file of a run into the extension's storage and opens it in an editor
 * (text, JSON, YAML, images), or offers to reveal it (other files). Used by `mlflow.openArtifact`
 * and the run details panel. Returns the local file.
 */
export async function openRunArtifact(context: vscode.ExtensionContext, client: MlflowRestClient, runId: string, artifactPath: string): Promise<vscode.Uri> {
  // The run id and the path come from the server (and the panel): the engine checks both and writes only inside the cache.
  const cache = artifactCacheRoot(context.globalStorageUri?.fsPath ?? path.join(os.tmpdir(), 'mlflow-workbench'));
  const file = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Downloading ${artifactPath}` }, () =>
    downloadArtifactToCache(client, cache, runId, artifactPath),
  );
  const ext = path.extname(file).toLowerCase();
  const uri = vscode.Uri.file(file);
  if (TEXT_EXTENSIONS.has(ext) || TEXT_NAMES.has(path.basename(file)) || IMAGE_EXTENSIONS.has(ext)) {
    await vscode.commands.executeCommand('vscode.open', uri);
  } else {
    void vscode.window.showInformationMessage(`Downloaded ${artifactPath} to ${file}.`, 'Reveal in File Explorer').then((action) => {
      if (action) void vscode.commands.executeCommand('revealFileInOS', uri);
    });
  }
  return uri;
}
