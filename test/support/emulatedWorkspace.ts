import { after, before } from 'node:test';
import { waitForServingEndpoint } from '../../src/engine/databricks/servingEndpoints';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator, type DatabricksEmulatorOptions } from '../databricksEmulator/databricksEmulator';
import { uniqueName, useMlflowServer } from './mlflowServer';
import { venvPython } from './repoPaths';

export interface EmulatedWorkspace {
  /** The running emulator (from the suite's before() hooks on). */
  readonly emulator: DatabricksEmulator;
  /** The real MLflow server behind it (the shared one: see useMlflowServer). */
  readonly mlflowUrl: string;
}

/**
 * A Databricks workspace emulator in front of the shared MLflow server, with the venv's Python as its
 * cluster runtime: started by a before() hook and stopped by an after() hook of the describe() it is
 * called in, so call it inside a describe(), before the suite's own before() hooks that use it (at a
 * file's top level, outside any describe(), the hooks do not run before the file's suites).
 */
export function useEmulatedWorkspace(options: Omit<DatabricksEmulatorOptions, 'mlflowTrackingUri' | 'python'>): EmulatedWorkspace {
  // Asked for now (at collection time), so a file run alone starts its server outside any hook.
  const mlflowServer = useMlflowServer();
  mlflowServer.catch(() => undefined); // reported by before() below
  let started: { emulator: DatabricksEmulator; mlflowUrl: string } | undefined;
  before(async () => {
    const mlflowUrl = (await mlflowServer).url;
    started = { emulator: await startDatabricksEmulator({ ...options, mlflowTrackingUri: mlflowUrl, python: venvPython }), mlflowUrl };
  });
  after(async () => {
    await started?.emulator.stop();
  });
  const get = () => {
    if (!started) throw new Error('useEmulatedWorkspace: the emulator is not started (use it in before(), it() or after() of the suite that called it)');
    return started;
  };
  return {
    get emulator() {
      return get().emulator;
    },
    get mlflowUrl() {
      return get().mlflowUrl;
    },
  };
}

/** The workspace user of the scientist token of useRegistryWorkspace. */
export const SCIENTIST = 'data.scientist@example.com';

/** An emulated workspace for the registry workflow: its two users' tokens, and a client for each. */
export interface RegistryWorkspace extends EmulatedWorkspace {
  /** The token of the workspace's user (Can Manage on models). */
  readonly adminToken: string;
  /** SCIENTIST's token: may request stage transitions (and cancel their own) but not approve, reject or transition (403 PERMISSION_DENIED). */
  readonly scientistToken: string;
  /** The workspace's client signed in with the admin token. */
  readonly admin: MlflowRestClient;
  /** The workspace's client signed in as SCIENTIST. */
  readonly scientist: MlflowRestClient;
}

/** useEmulatedWorkspace for the registry workflow: a user who may manage models, and SCIENTIST who may not. */
export function useRegistryWorkspace(options: Omit<DatabricksEmulatorOptions, 'mlflowTrackingUri' | 'python' | 'tokens' | 'users'> = {}): RegistryWorkspace {
  const adminToken = 'dapi-registry-admin-0001';
  const scientistToken = 'dapi-registry-scientist-0002';
  const dbx = useEmulatedWorkspace({ ...options, tokens: [adminToken], users: [{ token: scientistToken, userName: SCIENTIST, canManageModels: false }] });
  const clients = new Map<string, MlflowRestClient>();
  const client = (token: string) => {
    const key = `${dbx.emulator.url} ${token}`;
    let found = clients.get(key);
    if (!found) clients.set(key, (found = new MlflowRestClient({ baseUrl: dbx.emulator.url, token })));
    return found;
  };
  return {
    get emulator() {
      return dbx.emulator;
    },
    get mlflowUrl() {
      return dbx.mlflowUrl;
    },
    adminToken,
    scientistToken,
    get admin() {
      return client(adminToken);
    },
    get scientist() {
      return client(scientistToken);
    },
  };
}

/** Creates a serving endpoint (named from `namePrefix`) for one model version and waits until it is READY; returns its name. */
export async function serveModelVersion(admin: MlflowRestClient, namePrefix: string, model: string, version: string, timeoutMs: number): Promise<string> {
  const name = uniqueName(namePrefix).slice(0, 60);
  await admin.requestJson('POST', 'api/2.0/serving-endpoints', {
    json: { name, config: { served_entities: [{ entity_name: model, entity_version: version }] } },
  });
  await waitForServingEndpoint(admin, name, { timeoutMs, pollIntervalMs: 500 });
  return name;
}
