import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { useMlflowServer } from '../support/mlflowServer';
import { repoRoot, venvPython } from '../support/repoPaths';

// The emulator of today's workspace (DBFS root disabled), driven by Databricks' own Python SDK
// (databricks-sdk, pinned in python/requirements.txt): what the SDK sends is accepted, and what the
// emulator answers is what the SDK expects.
const TOKEN = 'dapi-sdk-fidelity';
let emulator: DatabricksEmulator;

before(async () => {
  const { url } = await useMlflowServer();
  emulator = await startDatabricksEmulator({
    mlflowTrackingUri: url,
    python: venvPython,
    tokens: [TOKEN],
    onLog: (l) => process.env.EMU_LOG && console.error(Date.now() % 100000, l),
  });
});

after(async () => {
  await emulator?.stop();
});

function runSdkScript(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = path.join(repoRoot, 'test', 'sdk', 'databricks_sdk_fidelity.py');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^DATABRICKS_/.test(k)) env[k] = v;
  // No ~/.databrickscfg lookups and no other auth: host and PAT only.
  Object.assign(env, {
    DATABRICKS_HOST: emulator.url,
    DATABRICKS_TOKEN: TOKEN,
    DATABRICKS_CONFIG_FILE: path.join(repoRoot, 'does-not-exist.cfg'),
    PYTHONUNBUFFERED: '1',
  });
  return new Promise((resolve) => {
    const child = spawn(venvPython, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the official Databricks SDK for Python uploads, imports, submits (job cluster and serverless), reads output and cancels against the emulator', async () => {
  const result = await runSdkScript();
  assert.equal(result.code, 0, `${result.stderr.slice(-4000)}\n${result.stdout}`);
  const seen = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { user: string; cluster_run: number };
  assert.equal(seen.user, 'emulated.user@example.com');
  const paths = emulator.requests.map((r) => `${r.method} ${r.path.replace(/\/(sdk-fidelity[^/]*)\/.*$/, '/$1/…')} ${r.status}`);
  // What the SDK really sent, so a change in the SDK that the emulator does not follow shows here.
  for (const expected of [
    /^GET \/api\/2\.0\/preview\/scim\/v2\/Me 200$/,
    /^POST \/api\/2\.0\/workspace\/mkdirs 200$/,
    /^POST \/api\/2\.0\/workspace\/import 200$/,
    /^PUT \/api\/2\.0\/fs\/files\/Volumes\/main\/default\/mlflow_wb\/sdk-fidelity/,
    /^POST \/api\/2\.[12]\/jobs\/runs\/submit 200$/,
    /^POST \/api\/2\.[12]\/jobs\/runs\/submit 400$/,
    /^GET \/api\/2\.[12]\/jobs\/runs\/get-output 200$/,
    /^POST \/api\/2\.[12]\/jobs\/runs\/cancel 200$/,
  ]) {
    assert.ok(
      paths.some((p) => expected.test(p)),
      `no request matching ${expected}:\n${paths.join('\n')}`,
    );
  }
  assert.ok(!paths.some((p) => / 5\d\d$/.test(p)), paths.join('\n'));
});
