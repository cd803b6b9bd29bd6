import { after } from 'node:test';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { makeTempDir, venvPython } from './repoPaths';

/**
 * A real `mlflow server` (sqlite backend, 127.0.0.1, free port) for one test file.
 * `npm test` starts one server for the whole integration layer and passes its URL in
 * MLFLOW_WB_TEST_TRACKING_URI (starting mlflow takes ~10 s here); a test file run on its own starts
 * and stops its own. Tests keep apart by using experiment names of their own (see uniqueName).
 */
export async function useMlflowServer(): Promise<{ url: string }> {
  const shared = process.env.MLFLOW_WB_TEST_TRACKING_URI;
  if (shared) return { url: shared };
  const server = await startLocalTrackingServer({ python: venvPython, dataDir: makeTempDir('mlflow-server') });
  after(() => server.stop());
  return { url: server.url };
}

/** A name no other test uses, so tests can share one tracking server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
