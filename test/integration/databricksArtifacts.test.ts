// Run artifacts on a Databricks workspace (the emulator with Databricks-managed artifact URIs, in
// front of a real MLflow server): listed through the workspace, read through credentials-for-read
// and a signed URL that never sees the workspace token; MLflow's own client reads them the same way.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { DatabricksClient } from '../../src/engine/databricks/databricksClient';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { useEmulatedWorkspace } from '../support/emulatedWorkspace';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName } from '../support/mlflowServer';
import { makeTempDir, venvPython } from '../support/repoPaths';

const TOKEN = 'dapi-artifacts-test-token-0001';

describe('Databricks-managed run artifacts through the emulated workspace', () => {
  // Plain dbfs:/ artifact locations live in DBFS root, which only older workspaces still have.
  const dbx = useEmulatedWorkspace({ tokens: [TOKEN], databricksArtifactUris: true, legacyDbfs: true });
  let emulator: DatabricksEmulator;
  let workspace: MlflowRestClient;
  let direct: MlflowRestClient;
  let runId: string;
  let experimentId: string;
  const payload = randomBytes(200_000);

  before(async () => {
    emulator = dbx.emulator;
    workspace = new MlflowRestClient({ baseUrl: emulator.url, token: TOKEN }, { maxRetries: 0 });
    direct = new MlflowRestClient({ baseUrl: dbx.mlflowUrl });
    experimentId = await workspace.createExperiment(`/Users/emulated.user@example.com/${uniqueName('dbx-artifacts')}`);
    runId = (await workspace.createRun(experimentId, 'with-artifacts')).run_id;
    // The job that produced the run wrote its artifacts to the store behind the workspace.
    await direct.uploadArtifact(runId, 'data/sample.bin', payload);
    await direct.uploadArtifact(runId, 'notes.txt', 'hello from a Databricks run\n');
  });

  it('gives runs Databricks artifact URIs, in runs/get and runs/search, and lists them through the workspace', async () => {
    const expected = `dbfs:/databricks/mlflow-tracking/${experimentId}/${runId}/artifacts`;
    assert.equal((await workspace.getRun(runId)).info.artifact_uri, expected);
    const found = await workspace.searchRuns({ experimentIds: [experimentId] });
    assert.equal(found.items[0]?.info.artifact_uri, expected);
    const root = await workspace.listArtifacts(runId);
    assert.equal(root.rootUri, expected);
    assert.deepEqual(root.files.map((f) => f.path).sort(), ['data', 'notes.txt']);
    const data = await workspace.listArtifacts(runId, 'data');
    assert.deepEqual(data.files, [{ path: 'data/sample.bin', is_dir: false, file_size: payload.length }]);
  });

  it('downloads through credentials-for-read and a signed URL, the same bytes, with no Authorization header at the storage', async () => {
    const before = emulator.storageRequests.length;
    const bytes = await workspace.downloadArtifact(runId, 'data/sample.bin');
    assert.ok(bytes.equals(payload));
    assert.equal((await workspace.downloadArtifact(runId, 'notes.txt')).toString(), 'hello from a Databricks run\n');
    const storage = emulator.storageRequests.slice(before);
    assert.equal(storage.length, 2);
    for (const s of storage) {
      assert.equal(s.authorization, false);
      assert.equal(s.status, 200);
    }
    assert.ok(emulator.requests.some((r) => r.path === '/api/2.0/mlflow/artifacts/credentials-for-read' && r.status === 200));
    assert.ok(!emulator.requests.some((r) => r.path.startsWith('/api/2.0/mlflow-artifacts/')), 'the workspace has no artifact proxy to fall back on');
  });

  it('has the storage refuse a signed URL sent with a token, and one with a wrong signature', async () => {
    const answer = await workspace.requestJson<{ credential_infos: { signed_uri: string }[] }>('POST', 'api/2.0/mlflow/artifacts/credentials-for-read', {
      json: { run_id: runId, path: ['notes.txt'] },
    });
    const signed = answer.credential_infos[0]!.signed_uri;
    assert.ok(signed.startsWith(`${emulator.url}/emulated-storage/`));
    assert.equal((await fetch(signed)).status, 200);
    const withToken = await fetch(signed, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(withToken.status, 400);
    assert.match(await withToken.text(), /Only one auth mechanism allowed/);
    const tampered = await fetch(signed.replace(/notes\.txt/, 'data/sample.bin'));
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  });

  it('explains an expired signed URL after asking for a new one once', async () => {
    emulator.setSignedUrlTtl(-60_000);
    try {
      const before = emulator.storageRequests.length;
      await assert.rejects(workspace.downloadArtifact(runId, 'notes.txt'), (err: unknown) => {
        assert.ok(err instanceof MlflowApiError);
        assert.equal(err.errorCode, 'SIGNED_URL_REJECTED');
        assert.equal(err.httpStatus, 403);
        assert.match(err.message, /expired/);
        assert.match(err.message, /Open the artifact again/);
        assert.doesNotMatch(err.message, /Signature=/);
        assert.match(err.detail ?? '', /Request has expired/);
        return true;
      });
      const refused = emulator.storageRequests.slice(before);
      assert.deepEqual(
        refused.map((s) => [s.status, s.authorization]),
        [
          [403, false],
          [403, false],
        ],
      );
    } finally {
      emulator.setSignedUrlTtl(15 * 60_000);
    }
  });

  it('downloads them with `mlflow-wb artifacts download` through the same signed URLs, token-free', async () => {
    const dest = makeTempDir('dbx-artifacts-cli');
    const before = emulator.storageRequests.length;
    const result = await runBuiltCli(['artifacts', 'download', '--run-id', runId, '--dest', dest], {
      DATABRICKS_HOST: emulator.url,
      DATABRICKS_TOKEN: TOKEN,
      MLFLOW_TRACKING_URI: 'databricks',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Downloaded 2 files to /);
    assert.ok(fs.readFileSync(path.join(dest, 'data', 'sample.bin')).equals(payload));
    assert.equal(fs.readFileSync(path.join(dest, 'notes.txt'), 'utf8'), 'hello from a Databricks run\n');
    const storage = emulator.storageRequests.slice(before);
    assert.deepEqual(
      storage.map((s) => [s.status, s.authorization]),
      [
        [200, false],
        [200, false],
      ],
    );
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN));
  });

  it('reads plain dbfs:/ artifact locations with DBFS read', async () => {
    const folder = `/plain-artifacts/${uniqueName('exp')}`;
    const plainExperiment = await direct.createExperiment(uniqueName('dbfs-location'), { artifactLocation: `dbfs:${folder}` });
    const run = await direct.createRun(plainExperiment, 'plain');
    assert.equal((await workspace.getRun(run.run_id)).info.artifact_uri, `dbfs:${folder}/${run.run_id}/artifacts`);
    const big = randomBytes(1024 * 1024 + 4096);
    await new DatabricksClient({ host: emulator.url, token: TOKEN }).dbfsUpload(`${folder}/${run.run_id}/artifacts/big.bin`, big);
    assert.ok((await workspace.downloadArtifact(run.run_id, 'big.bin')).equals(big));
    await assert.rejects(workspace.downloadArtifact(run.run_id, 'missing.txt'), /does not exist/);
  });

  it('agrees with MLflow’s own client (DatabricksArtifactRepository) reading through the workspace', async () => {
    const script = [
      'import sys, mlflow',
      'mlflow.set_tracking_uri("databricks")',
      'from mlflow.tracking import MlflowClient',
      'c = MlflowClient()',
      'print(c.get_run(sys.argv[1]).info.artifact_uri)',
      'print(sorted(f.path for f in c.list_artifacts(sys.argv[1])))',
      'p = mlflow.artifacts.download_artifacts(run_id=sys.argv[1], artifact_path="notes.txt", dst_path=sys.argv[2])',
      'print(open(p).read().strip())',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      // MLflow 3 tries the Databricks SDK's Files API (/api/2.0/fs/..., not emulated) first and
      // falls back on credentials-for-read; this variable makes it use the latter directly.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABRICKS_HOST: emulator.url,
        DATABRICKS_TOKEN: TOKEN,
        MLFLOW_DISABLE_DATABRICKS_SDK_FOR_RUN_ARTIFACTS: 'true',
      };
      delete env.MLFLOW_TRACKING_URI;
      const child = spawn(venvPython, ['-c', script, runId, makeTempDir('dbx-artifacts-py')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python failed (${code}):\n${stderr.slice(-3000)}`))));
    });
    const lines = out.trim().split('\n');
    assert.ok(emulator.storageRequests.some((s) => s.path.endsWith('/notes.txt') && s.status === 200 && !s.authorization));
    assert.equal(lines[0], `dbfs:/databricks/mlflow-tracking/${experimentId}/${runId}/artifacts`);
    assert.equal(lines[1], "['data', 'notes.txt']");
    assert.equal(lines[2], 'hello from a Databricks run');
  });
});
