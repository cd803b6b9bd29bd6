// MLflow: Sign in to Databricks… — pick a profile of ~/.databrickscfg or enter a workspace host; where
// the Databricks CLI is installed, `databricks auth login --host … --profile …` runs in a terminal (the
// browser sign-in), then the profile becomes a connection of the explorer showing who is signed in.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { databricksCliTokenProvider } from '../../engine/connections/databricksAuth';
import {
  databricksCliPath,
  databricksConfigPath,
  normaliseDatabricksHost,
  parseDatabricksConfig,
  type DatabricksProfileSection,
} from '../../engine/connections/databricksConfig';
import type { TrackingConnections } from './trackingConnections';

const INSTALL_URL = 'https://docs.databricks.com/dev-tools/cli/install.html';

interface ProfileItem extends vscode.QuickPickItem {
  profile?: string;
  host?: string;
  section?: DatabricksProfileSection;
}

function cliSetting(): string | undefined {
  return vscode.workspace.getConfiguration('mlflow').get<string>('databricks.cliPath')?.trim() || undefined;
}

function signInKind(section: DatabricksProfileSection): string {
  if (section.auth_type) return `auth_type = ${section.auth_type}`;
  if (section.token) return 'personal access token';
  if (section.client_id) return 'service principal (OAuth M2M)';
  return 'no credentials yet';
}

/** A profile name from a host: `adb-123.4.azuredatabricks.net` → `adb-123`. */
export function profileNameFor(host: string): string {
  try {
    return new URL(normaliseDatabricksHost(host)).hostname.split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-') || 'workspace';
  } catch {
    return 'workspace';
  }
}

/** Runs `databricks auth login` in a terminal and resolves with its exit code (undefined when it was closed early). */
function runLoginInTerminal(cli: string, host: string, profile: string): Promise<number | undefined> {
  const terminal = vscode.window.createTerminal({
    name: `Databricks sign-in (${profile})`,
    shellPath: cli,
    shellArgs: ['auth', 'login', '--host', host, '--profile', profile],
    message: `Signing in to ${host} as profile ${profile}: finish the sign-in in the browser that opens.`,
  });
  terminal.show();
  return new Promise((resolve) => {
    const sub = vscode.window.onDidCloseTerminal((closed) => {
      if (closed !== terminal) return;
      sub.dispose();
      resolve(closed.exitStatus?.code);
    });
  });
}

export async function signInToDatabricks(connections: TrackingConnections): Promise<void> {
  const cli = await databricksCliPath({ databricksCliPath: cliSetting() });
  const file = databricksConfigPath();
  let sections = new Map<string, DatabricksProfileSection>();
  try {
    sections = parseDatabricksConfig(await fs.promises.readFile(file, 'utf8'));
  } catch {
    // No config file yet: only "enter a host" is offered.
  }
  const items: ProfileItem[] = [...sections]
    .filter(([, section]) => section.host)
    .map(([name, section]) => ({ label: name, description: section.host, detail: signInKind(section), profile: name, host: section.host, section }));
  items.push({
    label: '$(add) Enter a workspace URL…',
    detail: cli ? 'Signs in with the Databricks CLI (databricks auth login) and saves a profile' : 'Needs the Databricks CLI',
  });
  const picked = await vscode.window.showQuickPick(items, { title: 'MLflow: Sign in to Databricks', placeHolder: `A profile of ${file}, or a new workspace` });
  if (!picked) return;

  let profile = picked.profile;
  let host = picked.host;
  let needsLogin = false;
  if (!profile || !host) {
    host = await vscode.window.showInputBox({
      title: 'Databricks workspace URL',
      prompt: 'e.g. https://adb-1234567890123456.7.azuredatabricks.net or https://dbc-a1b2c3d4-e5f6.cloud.databricks.com',
      validateInput: (text) => {
        try {
          new URL(normaliseDatabricksHost(text));
          return text.trim() ? undefined : 'Enter the workspace URL.';
        } catch {
          return `'${text}' is not a URL.`;
        }
      },
    });
    if (!host) return;
    host = normaliseDatabricksHost(host);
    profile = await vscode.window.showInputBox({ title: 'Profile name (saved in the Databricks config file)', value: profileNameFor(host) });
    if (!profile) return;
    needsLogin = true;
  } else {
    const section = picked.section!;
    const usesCli = section.auth_type === 'databricks-cli' || (!section.auth_type && !section.token && !section.client_id && !section.username);
    if (usesCli) {
      // Signed in already when the CLI hands out a token for the profile.
      needsLogin = await databricksCliTokenProvider(host, profile, { databricksCliPath: cliSetting() })().then(
        () => false,
        () => true,
      );
    }
  }

  if (needsLogin) {
    if (!cli) {
      const action = await vscode.window.showErrorMessage(
        `Signing in to ${host} needs the Databricks CLI, which was not found (PATH, DATABRICKS_CLI_PATH or mlflow.databricks.cliPath). ` +
          'Install it, or add a personal access token to the profile.',
        'Install the Databricks CLI',
      );
      if (action) void vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
      return;
    }
    const code = await runLoginInTerminal(cli, normaliseDatabricksHost(host), profile);
    if (code !== 0) {
      void vscode.window.showErrorMessage(
        `databricks auth login for ${host} ${code === undefined ? 'was closed before it finished' : `failed (exit code ${code})`}: see its terminal.`,
      );
      return;
    }
  }

  const trackingUri = `databricks://${profile}`;
  const config = vscode.workspace.getConfiguration('mlflow');
  const list = config.get<{ name?: string; trackingUri: string }[]>('connections') ?? [];
  if (!list.some((c) => c.trackingUri === trackingUri) && config.get<string>('trackingUri') !== trackingUri) {
    await config.update('connections', [...list, { trackingUri }], vscode.ConfigurationTarget.Global);
  }
  await connections.reload();
  await connections.setActive(trackingUri);
  const state = await connections.checkSignIn(trackingUri);
  if (state.user) void vscode.window.showInformationMessage(`MLflow: signed in to ${host} as ${state.user} (profile ${profile}).`);
  else void vscode.window.showErrorMessage(`MLflow: not signed in to ${host} (profile ${profile}): ${state.problem ?? 'unknown reason'}`);
}
