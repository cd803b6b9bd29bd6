import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import {
  approveTransitionRequest,
  cancelTransitionRequest,
  createTransitionRequest,
  listTransitionRequests,
  rejectTransitionRequest,
  type RegistryActivity,
} from '../../engine/databricks/transitionRequests';
import type { ModelVersionStage } from '../../engine/mlflow/mlflowTypes';
import { registerModelVersion } from '../../engine/mlflow/modelRegistration';
import { isUnityCatalogModelName } from '../../engine/mlflow/registryCapabilities';
import { parseTagList } from '../../engine/mlflow/tagList';
import { runModelSources } from '../../engine/serving/modelArtifacts';
import { registerGuardedCommand } from '../guardedCommand';
import type { ExplorerNode } from './explorerNodes';
import { hasWorkspaceRegistryWorkflow, type RegistryTreeProvider } from './registryTreeProvider';

/** Register, stage, alias, describe and delete: the registry actions of the trees. */
export function registerRegistryCommands(registry: RegistryTreeProvider): vscode.Disposable[] {
  return [
    registerGuardedCommand(COMMANDS.registerModel, async (clicked?: ExplorerNode) => {
      // A run (its models are offered) or one of its artifact folders holding a model.
      if (clicked?.type !== 'run' && !(clicked?.type === 'artifact' && clicked.file.is_dir)) return;
      const node: Extract<ExplorerNode, { type: 'run' }> =
        clicked.type === 'run' ? clicked : { type: 'run', id: clicked.id, connection: clicked.connection, run: clicked.run, pagerKey: '' };
      const client = node.connection.client;
      const run = node.run;
      const sources =
        clicked.type === 'artifact'
          ? [
              {
                label: clicked.file.path,
                description: `runs:/…/${clicked.file.path}`,
                source: `runs:/${run.info.run_id}/${clicked.file.path}`,
                modelId: undefined,
              },
            ]
          : await runModelSources(client, run);
      if (sources.length === 0) {
        void vscode.window.showWarningMessage(
          `Run ${run.info.run_name ?? run.info.run_id} has no logged model (no MLflow 3 logged model and no artifact folder with an MLmodel file).`,
        );
        return;
      }
      const source = sources.length === 1 ? sources[0] : await vscode.window.showQuickPick(sources, { title: 'Register which model of the run?' });
      if (!source) return;
      const name = await pickModelName(node);
      if (!name) return;
      const description = await vscode.window.showInputBox({
        title: `Register as ${name}: description of the new version (optional)`,
        prompt: 'Enter to skip.',
      });
      if (description === undefined) return;
      const tagsText = await vscode.window.showInputBox({
        title: `Register as ${name}: tags of the new version (optional)`,
        prompt: 'key=value pairs separated by commas, e.g. team=forecasting, dataset=2026-11. Enter to skip.',
        validateInput: (text) => parseTagList(text).error,
      });
      if (tagsText === undefined) return;
      const { version } = await registerModelVersion(
        client,
        name,
        { source: source.source, runId: run.info.run_id, modelId: source.modelId },
        {
          description: description.trim() || undefined,
          tags: parseTagList(tagsText).tags,
        },
      );
      await registry.refreshModel(node.connection, name);
      void vscode.window
        .showInformationMessage(`Registered ${name} version ${version.version} from run ${run.info.run_name ?? run.info.run_id}.`, 'Serve Model Locally')
        .then((action) => {
          if (action) void vscode.commands.executeCommand(COMMANDS.serveModel, `models:/${name}/${version.version}`);
        });
    }),
    registerGuardedCommand(COMMANDS.transitionStage, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion') return;
      const v = node.version;
      if (isUnityCatalogModelName(v.name) || node.connection.resolved?.unityCatalog) {
        void vscode.window.showWarningMessage(`${v.name} is a Unity Catalog model: it has no stages. Use aliases (MLflow: Set Alias…) instead.`);
        return;
      }
      const stages: ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];
      const stage = await vscode.window.showQuickPick(
        stages.filter((s) => s !== (v.current_stage ?? 'None')).map((s) => ({ label: s })),
        {
          title: `Move ${v.name} version ${v.version} (now ${v.current_stage ?? 'None'}) to…`,
          placeHolder: 'Stages are deprecated in recent MLflow in favour of aliases, but still work on this server.',
        },
      );
      if (!stage) return;
      let archiveExisting = false;
      if (stage.label === 'Staging' || stage.label === 'Production') {
        const answer = await vscode.window.showQuickPick(
          [
            { label: `Keep other versions in ${stage.label}`, archive: false },
            { label: `Archive the versions now in ${stage.label}`, archive: true },
          ],
          { title: `Other versions of ${v.name} in ${stage.label}` },
        );
        if (!answer) return;
        archiveExisting = answer.archive;
      }
      await node.connection.client.transitionModelVersionStage(v.name, v.version, stage.label as ModelVersionStage, archiveExisting);
      await registry.refreshModel(node.connection, v.name);
    }),
    ...registerTransitionRequestCommands(registry),
    registerGuardedCommand(COMMANDS.setAlias, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion') return;
      const v = node.version;
      const alias = await vscode.window.showInputBox({
        title: `Alias for ${v.name} version ${v.version}`,
        prompt: 'e.g. champion, challenger. An alias already on another version moves here.',
        validateInput: (text) =>
          !/^[A-Za-z_][\w-]*$/.test(text)
            ? 'Letters, digits, _ and -, starting with a letter or _.'
            : /^(latest|v\d+|version\d+)$/i.test(text)
              ? `'${text}' is reserved by MLflow.`
              : undefined,
      });
      if (!alias) return;
      await node.connection.client.setRegisteredModelAlias(v.name, alias, v.version);
      await registry.refreshModel(node.connection, v.name);
    }),
    registerGuardedCommand(COMMANDS.deleteAlias, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion') return;
      const v = node.version;
      const aliases = v.aliases ?? [];
      if (aliases.length === 0) {
        void vscode.window.showInformationMessage(`${v.name} version ${v.version} has no alias.`);
        return;
      }
      const alias = aliases.length === 1 ? aliases[0] : await vscode.window.showQuickPick(aliases, { title: 'Delete which alias?' });
      if (!alias) return;
      await node.connection.client.deleteRegisteredModelAlias(v.name, alias);
      await registry.refreshModel(node.connection, v.name);
    }),
    registerGuardedCommand(COMMANDS.editDescription, async (node?: ExplorerNode) => {
      const client = node?.type === 'modelVersion' || node?.type === 'registeredModel' ? node.connection.client : undefined;
      if (!node || !client) return;
      const current = node.type === 'modelVersion' ? node.version.description : node.type === 'registeredModel' ? node.model.description : '';
      const description = await vscode.window.showInputBox({ title: 'Description', value: current ?? '' });
      if (description === undefined) return;
      if (node.type === 'modelVersion') {
        await client.updateModelVersion(node.version.name, node.version.version, description);
        await registry.refreshVersion(node);
      } else if (node.type === 'registeredModel') {
        await client.updateRegisteredModel(node.model.name, description);
        await registry.refreshModel(node.connection, node.model.name);
      }
    }),
    registerGuardedCommand(COMMANDS.setModelTag, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion' && node?.type !== 'registeredModel') return;
      const pair = await vscode.window.showInputBox({ title: 'Tag (key=value)', validateInput: (t) => (/^[^=\s]+=/.test(t) ? undefined : 'Write key=value.') });
      if (!pair) return;
      const [key, ...rest] = pair.split('=');
      if (node.type === 'modelVersion') {
        await node.connection.client.setModelVersionTag(node.version.name, node.version.version, key, rest.join('='));
        await registry.refreshVersion(node);
      } else {
        await node.connection.client.setRegisteredModelTag(node.model.name, key, rest.join('='));
        await registry.refreshModel(node.connection, node.model.name);
      }
    }),
    registerGuardedCommand(COMMANDS.deleteModelVersion, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion') return;
      const v = node.version;
      const what = `version ${v.version} of ${v.name}${v.aliases?.length ? ` (aliases ${v.aliases.map((a) => '@' + a).join(', ')} go with it)` : ''}`;
      const answer = await vscode.window.showWarningMessage(`Delete ${what}? This cannot be undone.`, { modal: true }, 'Delete Version');
      if (answer !== 'Delete Version') return;
      await node.connection.client.deleteModelVersion(v.name, v.version);
      await registry.refreshModel(node.connection, v.name);
    }),
    registerGuardedCommand(COMMANDS.deleteRegisteredModel, async (node?: ExplorerNode) => {
      if (node?.type !== 'registeredModel') return;
      const count = (node.model.latest_versions ?? []).length;
      const answer = await vscode.window.showWarningMessage(
        `Delete the registered model ${node.model.name} and all its versions${count ? ` (latest: ${node.model.latest_versions!.map((v) => 'v' + v.version).join(', ')})` : ''}? This cannot be undone.`,
        { modal: true },
        'Delete Model',
      );
      if (answer !== 'Delete Model') return;
      await node.connection.client.deleteRegisteredModel(node.model.name);
      await registry.refreshModel(node.connection, node.model.name);
    }),
  ];
}

type VersionNode = Extract<ExplorerNode, { type: 'modelVersion' }>;

/** An optional comment; undefined when the person pressed Escape (cancel the action). */
function askComment(title: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({ title, prompt: "Optional comment, recorded in the version's activity (Enter to skip).", placeHolder: 'comment' });
}

/** The request a command acts on: the clicked request, or one picked from the version's open requests. */
async function pickRequest(node: ExplorerNode | undefined, action: string): Promise<{ versionNode: VersionNode; request: RegistryActivity } | undefined> {
  if (node?.type === 'transitionRequest') return { versionNode: node.versionNode, request: node.request };
  if (node?.type !== 'modelVersion') return undefined;
  const v = node.version;
  const requests = await listTransitionRequests(node.connection.client, { name: v.name, version: v.version });
  if (requests.length === 0) {
    void vscode.window.showInformationMessage(`${v.name} version ${v.version} has no open transition request to ${action}.`);
    return undefined;
  }
  const picked =
    requests.length === 1
      ? { request: requests[0] }
      : await vscode.window.showQuickPick(
          requests.map((request) => ({
            label: `→ ${request.to_stage}`,
            description: `${request.user_id ?? ''}${request.comment ? ` · “${request.comment}”` : ''}`,
            request,
          })),
          { title: `${action[0].toUpperCase()}${action.slice(1)} which request of ${v.name} version ${v.version}?` },
        );
  return picked ? { versionNode: node, request: picked.request } : undefined;
}

/**
 * Stage transition requests of Databricks workspace registries: request, approve (optionally
 * archiving the versions in the target stage), reject, cancel. Each refreshes only the version's node.
 */
function registerTransitionRequestCommands(registry: RegistryTreeProvider): vscode.Disposable[] {
  return [
    registerGuardedCommand(COMMANDS.requestStageTransition, async (node?: ExplorerNode) => {
      if (node?.type !== 'modelVersion') return;
      const v = node.version;
      if (!hasWorkspaceRegistryWorkflow(node.connection, v.name)) {
        void vscode.window.showWarningMessage(
          `Transition requests exist only in Databricks workspace registries; ${v.name} on ${node.connection.label} is not in one. Use MLflow: Transition Stage… or aliases.`,
        );
        return;
      }
      const stages: ModelVersionStage[] = ['Staging', 'Production', 'Archived', 'None'];
      const stage = await vscode.window.showQuickPick(
        stages.filter((s) => s !== (v.current_stage ?? 'None')).map((s) => ({ label: s })),
        { title: `Request to move ${v.name} version ${v.version} (now ${v.current_stage ?? 'None'}) to…` },
      );
      if (!stage) return;
      const comment = await askComment(`Request ${stage.label} for ${v.name} version ${v.version}`);
      if (comment === undefined) return;
      await createTransitionRequest(node.connection.client, { name: v.name, version: v.version, stage: stage.label, comment });
      await registry.refreshVersion(node);
      void vscode.window.showInformationMessage(`Requested ${stage.label} for ${v.name} version ${v.version}; a user with Can Manage approves or rejects it.`);
    }),
    registerGuardedCommand(COMMANDS.approveTransitionRequest, async (node?: ExplorerNode) => {
      const target = await pickRequest(node, 'approve');
      if (!target) return;
      const v = target.versionNode.version;
      const stage = target.request.to_stage ?? 'None';
      let archiveExisting = false;
      if (stage === 'Staging' || stage === 'Production') {
        const answer = await vscode.window.showQuickPick(
          [
            { label: `Archive the versions now in ${stage}`, archive: true },
            { label: `Keep other versions in ${stage}`, archive: false },
          ],
          { title: `Approve ${v.name} version ${v.version} → ${stage}: other versions in ${stage}` },
        );
        if (!answer) return;
        archiveExisting = answer.archive;
      }
      const comment = await askComment(`Approve ${v.name} version ${v.version} → ${stage}`);
      if (comment === undefined) return;
      await approveTransitionRequest(target.versionNode.connection.client, {
        name: v.name,
        version: v.version,
        stage,
        archiveExistingVersions: archiveExisting,
        comment,
      });
      await registry.refreshVersion(target.versionNode, archiveExisting);
    }),
    registerGuardedCommand(COMMANDS.rejectTransitionRequest, async (node?: ExplorerNode) => {
      const target = await pickRequest(node, 'reject');
      if (!target) return;
      const v = target.versionNode.version;
      const stage = target.request.to_stage ?? 'None';
      const comment = await askComment(`Reject ${target.request.user_id ?? 'the'}'s request: ${v.name} version ${v.version} → ${stage}`);
      if (comment === undefined) return;
      await rejectTransitionRequest(target.versionNode.connection.client, { name: v.name, version: v.version, stage, comment });
      await registry.refreshVersion(target.versionNode);
    }),
    registerGuardedCommand(COMMANDS.cancelTransitionRequest, async (node?: ExplorerNode) => {
      const target = await pickRequest(node, 'cancel');
      if (!target) return;
      const v = target.versionNode.version;
      const stage = target.request.to_stage ?? 'None';
      const creator = target.request.user_id;
      if (!creator) throw new Error(`The request to move ${v.name} version ${v.version} to ${stage} names no requester; cancel it in the Databricks UI.`);
      const comment = await askComment(`Cancel the request: ${v.name} version ${v.version} → ${stage}`);
      if (comment === undefined) return;
      await cancelTransitionRequest(target.versionNode.connection.client, { name: v.name, version: v.version, stage, creator, comment });
      await registry.refreshVersion(target.versionNode);
    }),
  ];
}

/** An existing registered model or a new name (Unity Catalog: catalog.schema.model). */
async function pickModelName(node: Extract<ExplorerNode, { type: 'run' }>): Promise<string | undefined> {
  const existing = await node.connection.client.searchRegisteredModels({ maxResults: 200 }).catch(() => ({ items: [] }));
  const pick = vscode.window.createQuickPick();
  pick.title = 'Register as (type a new name, or pick an existing model)';
  pick.placeholder = node.connection.resolved?.unityCatalog ? 'catalog.schema.model' : 'model name';
  const existingItems = existing.items.map((m) => ({ label: m.name, description: 'existing model' }));
  pick.items = existingItems;
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    pick.items = typed && !existingItems.some((i) => i.label === typed) ? [{ label: typed, description: 'new model' }, ...existingItems] : existingItems;
  });
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.label ?? (pick.value.trim() || undefined));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
