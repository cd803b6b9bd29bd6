import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliCommand, type CliIo } from '../../src/cli/cliCommand';
import { runCommand } from '../../src/cli/runCommand';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { findFreePort } from '../../src/engine/process/freePort';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { copyFixture, venvPython } from '../support/repoPaths';

let trackingUri: string;
let emulator: DatabricksEmulator;
let projectDir: string;

before(async () => {
  trackingUri = (await useMlflowServer()).url;
  emulator = await startDatabricksEmulator({ mlflowTrackingUri: trackingUri, python: venvPython, tokens: ['dapi-cli-test'], legacyDbfs: true });
  projectDir = copyFixture('launch-project');
});

after(async () => {
  await emulator?.stop();
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => void (err += t.endsWith('\n') ? t : `${t}\n`) };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return { code: await runCliCommand([runCommand], ['run', ...args], io), out, err };
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

test('mlflow-wb run (local): streams the output, prints the run id, exit code 0', async () => {
  const experiment = uniqueName('launch-cli');
  const r = await cli([
    projectDir,
    '-e',
    'main',
    '-P',
    'alpha=2',
    '-P',
    'label=from cli',
    '--tracking-uri',
    trackingUri,
    '--experiment-name',
    experiment,
    '--env-manager',
    'local',
    '--python',
    venvPython,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^training started: alpha=2.0 label='from cli'$/m);
  const runId = /^MLflow run id: ([0-9a-f]{32})$/m.exec(r.out)?.[1];
  assert.ok(runId, r.out);
  const run = await new MlflowRestClient({ baseUrl: trackingUri }).getRun(runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.match(r.err, /\[mlflow-wb\] finished/);
});

test('mlflow-wb run: a bad float exits 1 before starting; bad usage exits 2', async () => {
  const bad = await cli([projectDir, '-P', 'alpha=abc', '--tracking-uri', trackingUri, '--python', venvPython]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /'alpha' of entry point 'main' is a float, but the value "abc" is not a number/);
  const usage = await cli([projectDir, '--backend', 'databricks']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--backend databricks needs --backend-config/);
  assert.equal((await cli([projectDir, '--experiment-name', 'a', '--branch-experiment'])).code, 2);
});

test('mlflow-wb run --backend databricks: credentials from the environment, run page URL printed, exit 1 when the cluster fails', async () => {
  fs.writeFileSync(
    path.join(projectDir, 'plain-cluster.json'),
    JSON.stringify({ spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 }),
  );
  emulator.failNextRun('Cluster failed to launch: quota exceeded (cli test)');
  const r = await cli(
    [
      projectDir,
      '--backend',
      'databricks',
      '--protocol',
      'legacy',
      '--backend-config',
      'plain-cluster.json',
      '--experiment-name',
      uniqueName('launch-cli-db'),
      '--env-manager',
      'local',
      '--python',
      venvPython,
    ],
    { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token, DATABRICKS_CONFIG_PROFILE: '', MLFLOW_TRACKING_URI: '' },
  );
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^MLflow run id: [0-9a-f]{32}$/m, r.err);
  assert.ok(r.out.includes(`Databricks run: ${emulator.url}/`), r.out);
  assert.match(r.err, /failed.*Cluster failed to launch: quota exceeded \(cli test\)/);
  assert.doesNotMatch(r.out + r.err, /dapi-cli-test/, 'the token is never printed');
});

test('mlflow-wb run (local): an interpreter without mlflow fails first, naming it, why it was chosen and the fix', async () => {
  const noMlflow = path.join(path.dirname(projectDir), 'python-without-mlflow');
  fs.writeFileSync(noMlflow, `#!/bin/sh\nexec /usr/bin/env python3 -I -S "$@"\n`, { mode: 0o755 });
  const r = await cli([projectDir, '--tracking-uri', trackingUri, '--python', noMlflow]);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    new RegExp(`The Python interpreter ${noMlflow} \\(set by --python\\) cannot import mlflow: ModuleNotFoundError: No module named 'mlflow'`),
  );
  assert.match(r.err, /Fix: give --python .* or create a \.venv in .*\.venv\/bin\/pip install mlflow==\d/);
  assert.doesNotMatch(r.err, /\[mlflow-wb\] (validating|running)/, 'nothing was started');
});

test('mlflow-wb run --backend databricks: no workspace, or one that refuses the token, fails before anything is uploaded', async () => {
  const before = emulator.requests.length;
  const missing = await cli([projectDir, '--backend', 'databricks', '--backend-config', 'plain-cluster.json', '--python', venvPython], {
    DATABRICKS_HOST: '',
    DATABRICKS_TOKEN: '',
    DATABRICKS_CONFIG_PROFILE: '',
    DATABRICKS_CONFIG_FILE: path.join(path.dirname(projectDir), 'no-databrickscfg'),
  });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot launch on Databricks: No Databricks credentials/);
  assert.match(missing.err, /Fix: sign in with 'databricks auth login --host https:\/\/<workspace>' \(or edit .*no-databrickscfg/);

  const refused = await cli([projectDir, '--backend', 'databricks', '--backend-config', 'plain-cluster.json', '--python', venvPython], {
    DATABRICKS_HOST: emulator.url,
    DATABRICKS_TOKEN: 'dapi-wrong-token',
    DATABRICKS_CONFIG_PROFILE: '',
    MLFLOW_TRACKING_URI: '',
  });
  assert.equal(refused.code, 1);
  assert.match(refused.err, new RegExp(`The Databricks workspace ${emulator.url} \\(environment\\) did not answer: .*Invalid access token`));
  assert.doesNotMatch(refused.err, /dapi-wrong-token/);
  const after = emulator.requests.slice(before).map((r) => r.path);
  assert.deepEqual(after, ['/api/2.0/preview/scim/v2/Me'], 'only SCIM Me was asked: nothing built, uploaded or submitted');
});

test('mlflow-wb run (local) with user:password@ in the tracking URI never prints the password', async () => {
  const password = 'pw-must-not-leak-81723';
  const withPassword = trackingUri.replace(/^http:\/\//, `http://wb-user:${password}@`);
  const ok = await cli([
    projectDir,
    '-P',
    'alpha=1',
    '--tracking-uri',
    withPassword,
    '--experiment-name',
    uniqueName('launch-cli-auth'),
    '--env-manager',
    'local',
    '--python',
    venvPython,
  ]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^MLflow run id: [0-9a-f]{32}$/m);
  assert.ok(!(ok.out + ok.err).includes(password), 'the password is not in the output of a run');

  // An unreachable server makes `mlflow run` print the tracking URI it was given in its error.
  const port = await findFreePort();
  const down = await cli(
    [
      projectDir,
      '--tracking-uri',
      `http://wb-user:${password}@127.0.0.1:${port}`,
      '--experiment-name',
      uniqueName('launch-cli-down'),
      '--env-manager',
      'local',
      '--python',
      venvPython,
    ],
    {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '5',
    },
  );
  assert.equal(down.code, 1, down.err);
  assert.ok((down.out + down.err).includes(`127.0.0.1:${port}`), `mlflow names the server it could not reach:\n${down.err}`);
  assert.ok(!(down.out + down.err).includes(password), `the password is not in the error:\n${down.err}`);
});
