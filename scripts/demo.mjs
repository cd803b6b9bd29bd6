// `npm run demo`: the main job. Sets up what is missing, builds the extension, starts a local MLflow
// tracking server (sqlite under the demo workspace's .mlflow/ folder) and opens VS Code
// (code-server on 127.0.0.1) with the extension installed on an example MLflow project.
// Ctrl-C stops everything it started. PORT=<n> picks code-server's port (default 8080, or a free one).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
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
const workspace = path.join(demoDir, 'example_project');
if (!fs.existsSync(workspace)) {
  // The example project is what "MLflow: New Project" makes from the built-in template.
  const scaffolding = await import(path.join(root, 'out', 'src', 'engine', 'scaffolding', 'index.js'));
  const project = await scaffolding.renderProject(path.join(root, 'templates', 'mlflow-sklearn'), { project_name: 'Example Project' }, { python: venvPython });
  const plan = scaffolding.planScaffold(project.files, workspace);
  await scaffolding.writeScaffold(plan, project.files, workspace, { overwrite: () => false, emptyDirs: project.emptyDirs });
  await scaffolding.gitInit(workspace, { commit: true });
}

const { startLocalTrackingServer } = await import(path.join(root, 'out', 'src', 'engine', 'mlflow', 'localTrackingServer.js'));
const { startCodeServer } = await import(path.join(root, 'out', 'test', 'support', 'codeServer.js'));
const { findFreePort } = await import(path.join(root, 'out', 'src', 'engine', 'process', 'freePort.js'));

console.log('[demo] starting the MLflow tracking server (about 10 s)');
const tracking = await startLocalTrackingServer({ python: venvPython, dataDir: path.join(workspace, '.mlflow') });
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
const settingsFile = path.join(workspace, '.vscode', 'settings.json');
const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
settings['mlflow.trackingUri'] = tracking.url;
fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

const port = process.env.PORT ? Number(process.env.PORT) : await portOrFree(8080);
const editor = await startCodeServer({
  workspace,
  installExtension: true,
  runDir: path.join(demoDir, 'code-server'),
  port,
  env: { MLFLOW_TRACKING_URI: tracking.url },
});

console.log(`
MLflow Workbench demo is running.
  VS Code:         ${editor.url}/?folder=${encodeURIComponent(workspace)}
  MLflow server:   ${tracking.url}  (its own web UI is there too)
  Workspace:       ${workspace}
Press Ctrl-C to stop both.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\n[demo] stopping');
  await editor.stop();
  await tracking.stop();
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
