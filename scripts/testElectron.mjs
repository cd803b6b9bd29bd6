// `npm run test:electron`: the extension-host suites (test/vscode/host/*.host.ts) in a desktop VS Code
// downloaded by @vscode/test-electron. Needs internet access to download VS Code, so it is not part of
// `npm test` here (code-server + Chromium runs the same suites there); use it on machines that can.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { root } from './setup.mjs';

for (const [command, args] of [
  [path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']],
  [process.execPath, ['scripts/build.mjs']],
]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const hostDir = path.join(root, 'out', 'test', 'vscode', 'host');
const suites = fs.readdirSync(hostDir).filter((f) => f.endsWith('.host.js'));
let failed = 0;
for (const suite of suites) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-wb-electron-'));
  fs.cpSync(path.join(root, 'test', 'fixtures', 'example-project'), workspace, { recursive: true });
  try {
    await runTests({
      version: '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(hostDir, 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { MLFLOW_WB_HOST_SUITE: path.join(hostDir, suite) },
    });
    console.log(`ok ${suite}`);
  } catch (err) {
    failed++;
    console.error(`not ok ${suite}: ${err instanceof Error ? err.message : err}`);
  }
}
console.log(`${suites.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
