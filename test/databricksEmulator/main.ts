// Standalone emulated Databricks workspace, for manual use and the demo:
//   node out/test/databricksEmulator/main.js --mlflow-url http://127.0.0.1:5000 --port 8765 --token dapi-local
// Options: --python <interpreter with mlflow> (default .venv/bin/python), --root <folder>, --pending-ms <n>,
// --databricks-artifact-uris (runs get dbfs:/databricks/mlflow-tracking/... artifact URIs, read through signed URLs).
import * as path from 'node:path';
import { startDatabricksEmulator } from './databricksEmulator';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mlflowUrl = option(args, '--mlflow-url');
  const token = option(args, '--token') ?? process.env.DATABRICKS_TOKEN;
  if (!mlflowUrl || !token) {
    console.error(
      'Usage: main.js --mlflow-url <MLflow server URL> --token <accepted token> [--port <n>] [--python <path>] [--root <folder>] [--pending-ms <n>] [--legacy-dbfs] [--databricks-artifact-uris]',
    );
    process.exit(2);
  }
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const emulator = await startDatabricksEmulator({
    mlflowTrackingUri: mlflowUrl,
    python: option(args, '--python') ?? path.join(repoRoot, '.venv', 'bin', 'python'),
    tokens: [token],
    port: option(args, '--port') ? Number(option(args, '--port')) : undefined,
    root: option(args, '--root'),
    pendingMs: option(args, '--pending-ms') ? Number(option(args, '--pending-ms')) : 2000,
    databricksArtifactUris: args.includes('--databricks-artifact-uris'),
    legacyDbfs: args.includes('--legacy-dbfs'),
    onLog: (line) => console.log(line),
  });
  console.log(`Databricks emulator listening on ${emulator.url} (DBFS at ${emulator.dbfsRoot}, MLflow at ${mlflowUrl})`);
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

void main().catch((err: Error) => {
  console.error(`Could not start the Databricks emulator: ${err.message}`);
  process.exit(1);
});
