import type { Socket } from 'node:net';
import { startLocalTrackingServer, type LocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { makeTempDir, venvPython } from './repoPaths';

let standalone: Promise<LocalTrackingServer> | undefined;

/**
 * A real `mlflow server` (sqlite backend, 127.0.0.1, free port).
 * `npm test` starts one server for the whole run and passes its URL in MLFLOW_WB_TEST_TRACKING_URI
 * (starting mlflow takes ~10 s here); a test file run on its own starts one for its process, which
 * is stopped with its whole process group when the process exits (the process supervisor does that;
 * the server does not keep the process alive). Tests keep apart by using
 * names of their own (see uniqueName).
 */
export async function useMlflowServer(): Promise<{ url: string }> {
  const shared = process.env.MLFLOW_WB_TEST_TRACKING_URI;
  if (shared) return { url: shared };
  standalone ??= startLocalTrackingServer({ python: venvPython, dataDir: makeTempDir('mlflow-server') }).then((server) => {
    const child = server.process;
    child.unref();
    (child.stdout as Socket | null)?.unref();
    (child.stderr as Socket | null)?.unref();
    return server;
  });
  return { url: (await standalone).url };
}

/** A name no other test uses, so tests can share one tracking server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
