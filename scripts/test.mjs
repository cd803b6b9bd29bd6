// `npm test`: set-up, typecheck, lint, build, then the three test layers in one node:test run
// (unit: engine in plain Node; integration: engine against a real `mlflow server`; vscode: the
// built extension in a real VS Code via code-server + Chromium). The runner's summary is the last
// thing printed. Usage: node scripts/test.mjs [--layer unit|integration|vscode]... [--skip-lint]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServer, ensureNodeModules, ensurePythonVenv, findChromium, root, venvPython } from './setup.mjs';

const args = process.argv.slice(2);
const layers = args.flatMap((a, i) => (args[i - 1] === '--layer' ? [a] : []));
const selected = layers.length > 0 ? layers : ['unit', 'integration', 'vscode'];

function step(title, command, commandArgs) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${title} failed.`);
    process.exit(result.status ?? 1);
  }
}

function testFiles(dir) {
  const found = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.js')) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

try {
  ensureNodeModules();
  if (selected.includes('integration') || selected.includes('vscode')) ensurePythonVenv();
  if (selected.includes('vscode')) {
    findChromium();
    ensureCodeServer();
  }
} catch (err) {
  console.error(`\nSet-up failed: ${err.message}`);
  process.exit(1);
}

const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
step('typecheck and compile tests (tsc)', tsc, ['-p', 'tsconfig.json']);
step('typecheck webviews (tsc)', tsc, ['-p', 'webview/tsconfig.json']);
if (!args.includes('--skip-lint')) step('lint (eslint)', path.join(root, 'node_modules', '.bin', 'eslint'), ['src', 'test', 'webview', 'scripts']);
step('build (esbuild)', process.execPath, ['scripts/build.mjs']);

const files = selected.flatMap((layer) => testFiles(path.join(root, 'out', 'test', layer)));
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}

// One tracking server for the whole run: starting mlflow costs ~10 s, and tests keep apart by
// experiment name. A test file run on its own starts its own (test/support/mlflowServer.ts).
let server;
const env = { ...process.env };
if (selected.includes('integration') || selected.includes('vscode')) {
  const { startLocalTrackingServer } = await import(path.join(root, 'out', 'src', 'engine', 'mlflow', 'localTrackingServer.js'));
  const dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'mlflow-wb-test-server-'));
  console.log('\n> starting the shared MLflow tracking server');
  server = await startLocalTrackingServer({ python: venvPython, dataDir });
  env.MLFLOW_WB_TEST_TRACKING_URI = server.url;
  console.log(`  ${server.url}`);
}

console.log(`\n> node --test (${selected.join(', ')}: ${files.length} files)\n`);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await server?.stop();
process.exit(code);
