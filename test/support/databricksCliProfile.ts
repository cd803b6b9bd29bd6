// A Databricks workspace (the emulator in front of the real MLflow server) that the person reaches
// only through `databricks auth login`: a `~/.databrickscfg` profile with `auth_type = databricks-cli`
// and the fake `databricks` executable handing out the token, no personal access token anywhere the
// product looks. Shared by the extension-host tests of signing in and of the registry workflow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator, type EmulatedUser } from '../databricksEmulator/databricksEmulator';
import { fakeDatabricksCli, type FakeDatabricksCli } from './fakeClis';
import { useMlflowServer } from './mlflowServer';
import { makeTempDir, venvPython } from './repoPaths';

export interface CliProfileWorkspace {
  readonly emulator: DatabricksEmulator;
  /** The signed-in profile of `configFile` (`auth_type = databricks-cli`). */
  readonly profile: string;
  readonly configFile: string;
  readonly databricks: FakeDatabricksCli;
  /** The emulator's user by a token the product never sees, to seed experiments, models and requests. */
  readonly admin: MlflowRestClient;
  /** The token the fake CLI hands out for `profile` (the same user as `admin`). */
  readonly cliToken: string;
  /** Every token so far (`addSecret` adds more): none may appear in what the product prints. */
  readonly secrets: string[];
  /** The extension's settings: the fake CLI (the setting, not PATH: the extension host's PATH is the server's login shell's). */
  readonly settings: Record<string, unknown>;
  /** The extension host's environment: the profile file and the fake CLI's state, no Databricks or MLflow variables. */
  readonly env: Record<string, string>;
  addSecret(token: string): void;
  stop(): Promise<void>;
}

/**
 * Starts the emulator in front of `mlflowUrl` (with `users`, e.g. a data scientist without Can
 * Manage) and signs the fake Databricks CLI in to it as profile `dev`, as `databricks auth login`
 * would. `name` keeps this workspace's tokens apart from other tests'.
 */
export async function startCliProfileWorkspace(options: { mlflowUrl: string; name: string; users?: EmulatedUser[] }): Promise<CliProfileWorkspace> {
  const adminToken = `dapi-${options.name}-admin-0001`;
  const cliToken = `eyJraWQiOiJob3N0In0.${options.name}-cli-user.c2ln`;
  const emulator = await startDatabricksEmulator({ mlflowTrackingUri: options.mlflowUrl, python: venvPython, tokens: [adminToken], users: options.users });
  const profile = 'dev';
  const databricks = fakeDatabricksCli();
  databricks.signIn(profile, emulator.url, cliToken, new Date(Date.now() + 3600_000));
  emulator.addToken(cliToken);
  const configFile = path.join(makeTempDir(`${options.name}-databrickscfg`), 'databrickscfg');
  fs.writeFileSync(configFile, `[${profile}]\nhost = ${emulator.url}\nauth_type = databricks-cli\n`);
  const secrets = [adminToken, cliToken, ...(options.users ?? []).map((u) => u.token)];
  return {
    emulator,
    profile,
    configFile,
    databricks,
    admin: new MlflowRestClient({ baseUrl: emulator.url, token: adminToken }),
    cliToken,
    secrets,
    settings: { 'mlflow.databricks.cliPath': databricks.path },
    env: {
      ...databricks.env,
      DATABRICKS_CONFIG_FILE: configFile,
      DATABRICKS_HOST: '',
      DATABRICKS_TOKEN: '',
      DATABRICKS_CONFIG_PROFILE: '',
      MLFLOW_TRACKING_URI: '',
    },
    addSecret: (token) => void secrets.push(token),
    stop: () => emulator.stop(),
  };
}

/**
 * startCliProfileWorkspace in front of the shared MLflow server, started by a before() hook and
 * stopped by an after() hook of the suite it is called in (as useEmulatedWorkspace).
 */
export function useCliProfileWorkspace(options: { name: string; users?: EmulatedUser[] }): { readonly workspace: CliProfileWorkspace; readonly mlflowUrl: string } {
  // Asked for now (at collection time), so a file run alone starts its server outside any hook.
  const mlflowServer = useMlflowServer();
  mlflowServer.catch(() => undefined); // reported by before() below
  let started: { workspace: CliProfileWorkspace; mlflowUrl: string } | undefined;
  before(async () => {
    const mlflowUrl = (await mlflowServer).url;
    started = { workspace: await startCliProfileWorkspace({ ...options, mlflowUrl }), mlflowUrl };
  });
  after(async () => {
    await started?.workspace.stop();
  });
  const get = () => {
    if (!started) throw new Error('useCliProfileWorkspace: not started (use it in it() or after() of the suite that called it)');
    return started;
  };
  return {
    get workspace() {
      return get().workspace;
    },
    get mlflowUrl() {
      return get().mlflowUrl;
    },
  };
}
