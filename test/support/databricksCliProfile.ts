// A Databricks workspace (the emulator in front of the real MLflow server) that the person reaches
// only through `databricks auth login`: a `~/.databrickscfg` profile with `auth_type = databricks-cli`
// and the fake `databricks` executable handing out the token, no personal access token anywhere the
// product looks. Shared by the extension-host tests of signing in and of the registry workflow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { fakeDatabricksCli, type FakeDatabricksCli } from './fakeClis';
import { makeTempDir } from './repoPaths';

export interface CliProfile {
  /** The signed-in profile of `configFile` (`auth_type = databricks-cli`). */
  readonly profile: string;
  readonly configFile: string;
  readonly databricks: FakeDatabricksCli;
  /** The emulator's user by `adminToken`, which the product never sees: seeds experiments, models and requests. */
  readonly admin: MlflowRestClient;
  /** Every token so far (`addSecret` adds more): none may appear in what the product prints. */
  readonly secrets: string[];
  /** The extension's settings: the fake CLI (the setting, not PATH: the extension host's PATH is the server's login shell's). */
  readonly settings: Record<string, unknown>;
  /** The extension host's environment: the profile file and the fake CLI's state, no Databricks or MLflow variables. */
  readonly env: Record<string, string>;
  addSecret(token: string): void;
}

/**
 * Signs the fake Databricks CLI in to `emulator` (started with `adminToken`, e.g. by
 * useEmulatedWorkspace) as profile `dev`, as `databricks auth login` would, for the emulator's user.
 * `name` keeps the CLI's token apart from other tests'.
 */
export function signInCliProfile(emulator: DatabricksEmulator, options: { name: string; adminToken: string; otherTokens?: string[] }): CliProfile {
  const cliToken = `eyJraWQiOiJob3N0In0.${options.name}-cli-user.c2ln`;
  const profile = 'dev';
  const databricks = fakeDatabricksCli();
  databricks.signIn(profile, emulator.url, cliToken, new Date(Date.now() + 3600_000));
  emulator.addToken(cliToken);
  const configFile = path.join(makeTempDir(`${options.name}-databrickscfg`), 'databrickscfg');
  fs.writeFileSync(configFile, `[${profile}]\nhost = ${emulator.url}\nauth_type = databricks-cli\n`);
  const secrets = [options.adminToken, cliToken, ...(options.otherTokens ?? [])];
  return {
    profile,
    configFile,
    databricks,
    admin: new MlflowRestClient({ baseUrl: emulator.url, token: options.adminToken }),
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
  };
}
