// `npm run demo`: the main job. Sets up what is missing, builds the extension, prepares the demo
// workspace (test/support/demoWorkspace.ts: an example MLflow project, a local MLflow tracking server
// with sqlite under its .mlflow/ folder, the Databricks workspace emulator beside it with a demo-only
// DATABRICKS_CONFIG_FILE, a first set of runs and a registered model) and opens VS Code (code-server
// on 127.0.0.1) with the extension installed on it. Ctrl-C stops everything it started (each server's
// process group). PORT=<n> picks code-server's port (default 8080, or a free one).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureCodeServer, ensureNodeModules, ensurePythonVenv, root, venvPython } from './setup.mjs';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

try {
  ensureNodeModules();
  ensurePythonVenv();
  ensureCodeServer();
} catch (err) {
  console.error(`[demo] set-up failed: ${err.message}`);
  process.exit(1);
}
run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
run(process.execPath, ['scripts/build.mjs']);

const demoDir = path.join(root, '.mlflow-demo');
const { prepareDemoWorkspace, DEMO_MODEL, DEMO_ALIAS, DEMO_PROFILE } = await import(path.join(root, 'out', 'test', 'support', 'demoWorkspace.js'));
const { startCodeServer } = await import(path.join(root, 'out', 'test', 'support', 'codeServer.js'));
const { findFreePort } = await import(path.join(root, 'out', 'src', 'engine', 'process', 'freePort.js'));

// The example project, the tracking server, the Databricks workspace emulator and a first set of runs.
// Ctrl-C while preparing stops what has started so far (a server still starting is stopped once up).
const preparing = new globalThis.AbortController();
const abortPreparing = () => {
  console.log('\n[demo] stopping what has started');
  preparing.abort();
};
process.once('SIGINT', abortPreparing);
process.once('SIGTERM', abortPreparing);
let demo;
try {
  demo = await prepareDemoWorkspace({ demoDir, python: venvPython, log: (line) => console.log(`[demo] ${line}`), signal: preparing.signal });
} catch (err) {
  if (!preparing.signal.aborted) console.error(`[demo] could not prepare the demo workspace: ${err.message}`);
  process.exit(preparing.signal.aborted ? 130 : 1);
}
process.removeListener('SIGINT', abortPreparing);
process.removeListener('SIGTERM', abortPreparing);
const { workspace, tracking, emulator } = demo;

const port = process.env.PORT ? Number(process.env.PORT) : await portOrFree(8080);
let editor;
try {
  editor = await startCodeServer({ workspace, installExtension: true, runDir: path.join(demoDir, 'code-server'), port, env: demo.env });
} catch (err) {
  console.error(`[demo] could not start VS Code: ${err.message}`);
  await demo.stop();
  process.exit(1);
}

console.log(`
MLflow Workbench demo is running.
  VS Code:              ${editor.url}/?folder=${encodeURIComponent(workspace)}
  MLflow server:        ${tracking.url}  (local runs are tracked here; its own web UI is there too)
  Databricks emulator:  ${emulator.url}  (profile [${DEMO_PROFILE}] in ${demo.env.DATABRICKS_CONFIG_FILE})
                        A local stand-in for a real Databricks workspace: "Run on Databricks" submits
                        a Jobs run to it, and it runs the project on this machine, tracked on the same
                        MLflow server.
  Workspace:            ${workspace}
${demo.seeded ? `  Seeded:               an alpha sweep (3 runs of mlflow run) and ${DEMO_MODEL}@${DEMO_ALIAS}, the best of them.\n` : ''}
Try first:
  1. Open MLproject (Explorer) and click "Run locally" above main; accept the defaults.
  2. Click "Run on Databricks" above main; accept the defaults. Both runs appear in MLflow > Runs.
  3. In MLflow > Runs, select two runs and "Compare Runs"; in Model Registry, open ${DEMO_MODEL}@${DEMO_ALIAS}.
Press Ctrl-C to stop everything.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\n[demo] stopping');
  await editor.stop();
  await demo.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function portOrFree(preferred) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => findFreePort().then(resolve));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}
