import { after, before } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator, type DatabricksEmulatorOptions } from '../databricksEmulator/databricksEmulator';
import { useMlflowServer } from './mlflowServer';
import { venvPython } from './repoPaths';

export interface EmulatedWorkspace {
  /** The running emulator (from the suite's before() hooks on). */
  readonly emulator: DatabricksEmulator;
  /** The real MLflow server behind it (the shared one: see useMlflowServer). */
  readonly mlflowUrl: string;
}

/**
 * A Databricks workspace emulator in front of the shared MLflow server, with the venv's Python as its
 * cluster runtime: started by a before() hook and stopped by an after() hook of the suite (or file)
 * it is called in, so call it before the suite's own before() hooks that use it.
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
