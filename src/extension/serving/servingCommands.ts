import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { queryServingEndpoint, servedEntitiesOf, type ServingEndpoint } from '../../engine/databricks/servingEndpoints';
import { buildInvocationBody, invokeModel, InvocationInputError, type InvocationBody, type InvocationResult } from '../../engine/serving/invocationRequest';
import { loadInputExample, runModelSources } from '../../engine/serving/modelArtifacts';
import {
  endpointRequestKey,
  formatInvocationResponse,
  isSampleRequestFile,
  listSampleRequests,
  requestKeyOfFile,
  requestsFolder,
  saveSampleRequest,
} from '../../engine/serving/sampleRequests';
import type { ExplorerNode } from '../explorer/explorerNodes';
import { isUsable, type TrackingConnection, type TrackingConnections, type UsableConnection } from '../explorer/trackingConnections';
import { registerGuardedCommand } from '../guardedCommand';
import { getOutputChannel } from '../outputChannel';
import { ModelServers, type ServedModel } from './modelServers';

/** Where a test request goes: a local model server or a Databricks model serving endpoint. */
interface RequestTarget {
  /** Shown in pickers and the response, e.g. "diabetes v3 at http://127.0.0.1:5123". */
  label: string;
  requestKey: string;
  /** For the saved input example. */
  modelUri?: string;
  connection?: TrackingConnection;
  invoke(body: InvocationBody): Promise<InvocationResult>;
}

const RESPONSE_SCHEME = 'mlflow-response';

/**
 * "Serve Model Locally", "Send Test Request…", "Stop Model Server" and the status bar's menu.
 * Commands return what they did (the served model, the invocation result) for tests and other
 * extensions.
 */
export function registerServing(context: vscode.ExtensionContext, connections: TrackingConnections): ModelServers {
  const servers = new ModelServers();
  const responses = new ResponseDocuments();
  /** Endpoints sent to in this window, by request key: their request files go back to them. */
  const endpointTargets = new Map<string, RequestTarget>();

  context.subscriptions.push(
    servers,
    responses,
    vscode.workspace.registerTextDocumentContentProvider(RESPONSE_SCHEME, responses),
    registerGuardedCommand(COMMANDS.serveModel, async (arg?: ExplorerNode | string) => {
      const chosen = await modelToServe(arg, connections);
      if (!chosen) return undefined;
      const served = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `MLflow: serving ${chosen.label}…`, cancellable: true },
        (_progress, token) => {
          const starting = servers.serve(chosen.modelUri, chosen.label, chosen.connection);
          token.onCancellationRequested(() => {
            const s = servers.get(chosen.modelUri);
            if (s) void servers.stop(s);
          });
          return starting;
        },
      );
      if (served.state === 'ready') {
        void vscode.window.showInformationMessage(`Serving ${served.label} at ${served.url}`, 'Send Test Request', 'Stop').then((action) => {
          if (action === 'Send Test Request') void vscode.commands.executeCommand(COMMANDS.sendTestRequest, served);
          if (action === 'Stop') void servers.stop(served);
        });
      } else if (served.state === 'failed') {
        void vscode.window
          .showErrorMessage(`MLflow: serving ${served.label} failed: ${(served.problem ?? '').split('\n')[0]}`, 'Show Log', 'Retry')
          .then((action) => {
            if (action === 'Show Log') served.terminal.show();
            if (action === 'Retry') void vscode.commands.executeCommand(COMMANDS.serveModel, served.modelUri);
          });
      }
      return served;
    }),
    registerGuardedCommand(COMMANDS.stopModelServer, async (arg?: ServedModel) => {
      const served = isServedModel(arg)
        ? arg
        : await pickServer(
            servers.all().filter((s) => s.state !== 'stopped'),
            'Stop which model server?',
          );
      if (!served) return undefined;
      await servers.stop(served);
      void vscode.window.setStatusBarMessage(`MLflow: stopped the model server for ${served.label}`, 5000);
      return served;
    }),
    registerGuardedCommand(COMMANDS.manageModelServers, async () => {
      const live = servers.all().filter((s) => s.state === 'ready' || s.state === 'starting');
      const items = live.flatMap((s) => [
        { label: `$(send) Send Test Request to ${s.label}`, description: s.url, run: () => vscode.commands.executeCommand(COMMANDS.sendTestRequest, s) },
        { label: `$(terminal) Show Log of ${s.label}`, run: () => Promise.resolve(s.terminal.show()) },
        { label: `$(debug-stop) Stop ${s.label}`, run: () => servers.stop(s) },
      ]);
      items.push({ label: '$(broadcast) Serve Another Model…', description: '', run: () => vscode.commands.executeCommand(COMMANDS.serveModel) });
      const picked = await vscode.window.showQuickPick(items, { title: 'MLflow model servers' });
      return picked?.run();
    }),
    registerGuardedCommand(COMMANDS.sendTestRequest, async (arg?: unknown) => {
      // From the editor title of a saved request: send that file (with unsaved edits) to its model.
      const fileUri = arg instanceof vscode.Uri ? arg : arg === undefined ? activeRequestFile() : undefined;
      if (fileUri) {
        const target = endpointTargets.get(requestKeyOfFile(fileUri.fsPath)) ?? (await targetForRequestFile(fileUri, servers, connections));
        if (!target) return undefined;
        const document = await vscode.workspace.openTextDocument(fileUri);
        return send(
          target,
          document.getText(),
          vscode.workspace.asRelativePath(fileUri),
          path.extname(fileUri.fsPath).toLowerCase() === '.csv' ? 'csv' : 'json',
        );
      }
      const endpoint = endpointNode(arg);
      const target = endpoint ? endpointTarget(endpoint.connection, endpoint.endpoint) : await targetFor(arg, servers, connections);
      if (!target) return undefined;
      if (endpoint) endpointTargets.set(target.requestKey, target);
      const input = await pickInput(target);
      if (!input) return undefined;
      return send(target, input.text, input.name, input.format);
    }),
  );

  async function send(target: RequestTarget, text: string, requestName: string, format: 'json' | 'csv'): Promise<InvocationResult | undefined> {
    let body: InvocationBody;
    try {
      body = buildInvocationBody(text, format);
    } catch (err) {
      if (err instanceof InvocationInputError) {
        void vscode.window.showErrorMessage(`MLflow: the request ${requestName} is not a valid model input: ${err.message}`);
        return undefined;
      }
      throw err;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `MLflow: sending ${requestName} to ${target.label}…` },
      () => target.invoke(body),
    );
    const uri = responses.add(target.requestKey, formatInvocationResponse({ target: target.label, request: requestName, result }));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    const summary = `HTTP ${result.status} in ${result.latencyMs.toFixed(1)} ms`;
    if (result.status >= 200 && result.status < 300) void vscode.window.setStatusBarMessage(`MLflow: ${target.label}: ${summary}`, 10_000);
    else void vscode.window.showWarningMessage(`MLflow: ${target.label} answered ${summary}: see the response editor.`);
    return result;
  }

  return servers;
}

function endpointNode(value: unknown): { connection: UsableConnection; endpoint: ServingEndpoint } | undefined {
  const node = value as ExplorerNode | undefined;
  return node?.type === 'servingEndpoint' ? node : undefined;
}

/** A Databricks serving endpoint; its input example is the one of the registered version it serves. */
function endpointTarget(connection: UsableConnection, endpoint: ServingEndpoint): RequestTarget {
  const served = servedEntitiesOf(endpoint).find((e) => e.entity_name && e.entity_version);
  return {
    label: `endpoint ${endpoint.name} (${connection.label})`,
    requestKey: endpointRequestKey(endpoint.name),
    modelUri: served ? `models:/${served.entity_name}/${served.entity_version}` : undefined,
    connection,
    invoke: (body) => queryServingEndpoint(connection.client, endpoint.name, body),
  };
}

function isServedModel(value: unknown): value is ServedModel {
  const v = value as Partial<ServedModel> | undefined;
  return typeof v === 'object' && v !== null && typeof v.modelUri === 'string' && typeof v.requestKey === 'string' && 'terminal' in v;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function activeRequestFile(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  const root = workspaceRoot();
  return uri?.scheme === 'file' && root && isSampleRequestFile(root, uri.fsPath) ? uri : undefined;
}

/** The model a serve command is about: from a tree node, a model URI, or asked. */
async function modelToServe(
  arg: ExplorerNode | string | undefined,
  connections: TrackingConnections,
): Promise<{ modelUri: string; label: string; connection: TrackingConnection } | undefined> {
  if (typeof arg === 'string') {
    const connection = await usableConnection(connections);
    return connection ? { modelUri: arg, label: shortLabel(arg), connection } : undefined;
  }
  if (arg?.type === 'modelVersion') {
    return { modelUri: `models:/${arg.version.name}/${arg.version.version}`, label: `${arg.version.name} v${arg.version.version}`, connection: arg.connection };
  }
  if (arg?.type === 'registeredModel') {
    const m = arg.model;
    const choices = [
      ...(m.aliases ?? []).map((a) => ({ label: `@${a.alias}`, description: `version ${a.version}`, uri: `models:/${m.name}@${a.alias}` })),
      ...(m.latest_versions ?? []).map((v) => ({
        label: `Version ${v.version}`,
        description: v.current_stage && v.current_stage !== 'None' ? v.current_stage : '',
        uri: `models:/${m.name}/${v.version}`,
      })),
    ];
    if (choices.length === 0) {
      void vscode.window.showWarningMessage(`${m.name} has no versions to serve.`);
      return undefined;
    }
    const picked = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { title: `Serve which version of ${m.name}?` });
    return picked ? { modelUri: picked.uri, label: shortLabel(picked.uri), connection: arg.connection } : undefined;
  }
  if (arg?.type === 'artifact' && arg.file.is_dir) {
    return {
      modelUri: `runs:/${arg.run.info.run_id}/${arg.file.path}`,
      label: `${arg.run.info.run_name ?? arg.run.info.run_id.slice(0, 8)}/${arg.file.path}`,
      connection: arg.connection,
    };
  }
  if (arg?.type === 'leaf' && arg.contextValue === 'mlflow.loggedModel' && arg.copyValue && arg.owner) {
    return { modelUri: arg.copyValue, label: `${arg.label} (${arg.copyValue.replace(/^models:\/+/, '')})`, connection: arg.owner };
  }
  if (arg?.type === 'run') {
    const client = arg.connection.client;
    if (!client) return undefined;
    const sources = await runModelSources(client, arg.run);
    if (sources.length === 0) {
      void vscode.window.showWarningMessage(`Run ${arg.run.info.run_name ?? arg.run.info.run_id} has no logged model to serve.`);
      return undefined;
    }
    const source = sources.length === 1 ? sources[0] : await vscode.window.showQuickPick(sources, { title: 'Serve which model of the run?' });
    if (!source) return undefined;
    return { modelUri: source.source, label: `${arg.run.info.run_name ?? arg.run.info.run_id.slice(0, 8)}/${source.label}`, connection: arg.connection };
  }
  const connection = await usableConnection(connections);
  if (!connection) return undefined;
  const modelUri = await vscode.window.showInputBox({
    title: 'Serve which model?',
    prompt: `A model URI of ${connection.label}: models:/<name>/<version>, models:/<name>@<alias>, models:/<model id> or runs:/<run id>/<path>`,
    placeHolder: 'models:/my-model/1',
    validateInput: (text) => (/^(models|runs):\/.+/.test(text.trim()) ? undefined : 'Start with models:/ or runs:/'),
  });
  return modelUri ? { modelUri: modelUri.trim(), label: shortLabel(modelUri.trim()), connection } : undefined;
}

function shortLabel(modelUri: string): string {
  const m = /^models:\/+(.+?)\/(\d+)$/.exec(modelUri);
  if (m) return `${m[1]} v${m[2]}`;
  return modelUri.replace(/^models:\/+/, '').replace(/^runs:\/+/, 'run ');
}

async function usableConnection(connections: TrackingConnections): Promise<UsableConnection | undefined> {
  const active = connections.active();
  if (active?.kind === 'embedded' && !active.client) await connections.startEmbedded();
  const connection = connections.active();
  if (!isUsable(connection)) {
    void vscode.window.showErrorMessage(
      `MLflow: no usable tracking server (${connection?.problem ?? 'none configured'}). Set one with "MLflow: Set Tracking URI" or start the local server.`,
    );
    return undefined;
  }
  return connection;
}

async function pickServer(candidates: ServedModel[], title: string): Promise<ServedModel | undefined> {
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('MLflow: no model server is running. Start one with "MLflow: Serve Model Locally".');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  return (
    await vscode.window.showQuickPick(
      candidates.map((s) => ({ label: s.label, description: s.url ?? s.state, served: s })),
      { title },
    )
  )?.served;
}

function localTarget(served: ServedModel, connections: TrackingConnections): RequestTarget {
  return {
    label: `${served.label} at ${served.url}`,
    requestKey: served.requestKey,
    modelUri: served.modelUri,
    connection: connections.get(served.connectionId),
    invoke: (body) => invokeModel(served.url!, body),
  };
}

/** The target of "Send Test Request" from a served model, a tree node or the palette. */
async function targetFor(arg: unknown, servers: ModelServers, connections: TrackingConnections): Promise<RequestTarget | undefined> {
  if (isServedModel(arg)) return arg.state === 'ready' ? localTarget(arg, connections) : undefined;
  const node = arg as ExplorerNode | undefined;
  if (node?.type === 'modelVersion' || node?.type === 'registeredModel' || node?.type === 'run') {
    const name = node.type === 'modelVersion' ? node.version.name : node.type === 'registeredModel' ? node.model.name : undefined;
    const runId = node.type === 'run' ? node.run.info.run_id : undefined;
    const mine = servers.ready().filter((s) => (name && s.modelUri.startsWith(`models:/${name}`)) || (runId && s.modelUri.includes(runId)));
    if (mine.length > 0) {
      const served = await pickServer(mine, 'Send to which model server?');
      return served ? localTarget(served, connections) : undefined;
    }
    const start = await vscode.window.showInformationMessage('No model server is running for this model. Serve it locally first?', 'Serve Model Locally');
    if (!start) return undefined;
    const served = await vscode.commands.executeCommand<ServedModel | undefined>(COMMANDS.serveModel, node);
    return served?.state === 'ready' ? localTarget(served, connections) : undefined;
  }
  const served = await pickServer(servers.ready(), 'Send a test request to which model server?');
  return served ? localTarget(served, connections) : undefined;
}

/** A saved request file goes to the running server of its model (its folder), else one picked. */
async function targetForRequestFile(file: vscode.Uri, servers: ModelServers, connections: TrackingConnections): Promise<RequestTarget | undefined> {
  const key = requestKeyOfFile(file.fsPath);
  const ready = servers.ready();
  const mine = ready.filter((s) => s.requestKey === key);
  const served = await pickServer(mine.length > 0 ? mine : ready, `No server runs the model '${key}': send to which model server?`);
  return served ? localTarget(served, connections) : undefined;
}

interface PickedInput {
  text: string;
  name: string;
  format: 'json' | 'csv';
}

/** Saved requests of the model, its input example, a file, or a new request to write. */
async function pickInput(target: RequestTarget): Promise<PickedInput | undefined> {
  const root = workspaceRoot();
  const folder = root ? requestsFolder(root, target.requestKey) : undefined;
  type Item = vscode.QuickPickItem & { kind2: 'saved' | 'example' | 'file' | 'new'; file?: string };
  const saved: Item[] = folder
    ? (await listSampleRequests(folder)).map((r) => ({ label: `$(file-code) ${r.name}`, description: 'saved request', kind2: 'saved', file: r.file }))
    : [];
  const items: Item[] = [
    ...saved,
    ...(target.modelUri && target.connection?.client ? [{ label: "$(sparkle) The model's saved input example", kind2: 'example' as const }] : []),
    { label: '$(folder-opened) A JSON or CSV file…', kind2: 'file' },
    ...(folder
      ? [{ label: '$(new-file) Write a new request…', description: `saved in ${vscode.workspace.asRelativePath(folder)}`, kind2: 'new' as const }]
      : []),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Test request for ${target.label}` });
  if (!picked) return undefined;
  switch (picked.kind2) {
    case 'saved':
      return await readInput(picked.file!, folder);
    case 'file': {
      const uris = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Model input': ['json', 'csv'] },
        defaultUri: root ? vscode.Uri.file(root) : undefined,
      });
      if (!uris?.[0]) return undefined;
      const input = await readInput(uris[0].fsPath, folder);
      // Kept with the model's requests, so it is one click next time.
      if (folder && !uris[0].fsPath.startsWith(folder + path.sep)) await keepRequest(folder, path.basename(uris[0].fsPath), input);
      return input;
    }
    case 'example': {
      const client = target.connection?.client;
      const example = client && target.modelUri ? await loadInputExample(client, target.modelUri) : undefined;
      if (!example) {
        void vscode.window.showWarningMessage(`${target.modelUri} was logged without an input example: pick or write a request instead.`);
        return undefined;
      }
      const text = JSON.stringify(example.body);
      if (folder && !(await listSampleRequests(folder)).some((r) => r.name.startsWith('input-example')))
        await keepRequest(folder, 'input-example', { text, name: example.file, format: 'json' });
      return { text, name: `input example (${example.file})`, format: 'json' };
    }
    case 'new': {
      let template: unknown = { dataframe_split: { columns: ['feature_1', 'feature_2'], data: [[0, 0]] } };
      if (target.modelUri && target.connection?.client) {
        template = (await loadInputExample(target.connection.client, target.modelUri).catch(() => undefined))?.body ?? template;
      }
      const file = await saveSampleRequest(folder!, 'request', { contentType: 'application/json', body: JSON.stringify(template) });
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      void vscode.window.showInformationMessage(`Edit the request, then send it with the ▷ button of the editor (MLflow: Send Test Request…).`);
      return undefined;
    }
  }
}

async function readInput(file: string, folder: string | undefined): Promise<PickedInput> {
  const text = await fs.promises.readFile(file, 'utf8');
  const name = folder && file.startsWith(folder + path.sep) ? path.basename(file) : vscode.workspace.asRelativePath(file);
  return { text, name, format: path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'json' };
}

async function keepRequest(folder: string, baseName: string, input: PickedInput): Promise<void> {
  try {
    await saveSampleRequest(folder, baseName, buildInvocationBody(input.text, input.format));
  } catch (err) {
    // An invalid input is reported when it is sent; nothing to keep.
    getOutputChannel().warn(`Not keeping ${baseName} as a sample request: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Read-only documents with the answers of test requests (no "save?" prompt when closed). */
class ResponseDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private count = 0;

  add(key: string, text: string): vscode.Uri {
    this.count += 1;
    const uri = vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/${key}/response-${this.count}.json` });
    this.contents.set(uri.toString(), text);
    // Only the latest answers are kept in memory.
    if (this.contents.size > 50) this.contents.delete(this.contents.keys().next().value!);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '// This response is no longer kept: send the request again.';
  }

  dispose(): void {
    this.contents.clear();
  }
}
