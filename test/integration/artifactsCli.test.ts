// `mlflow-wb artifacts list|download`, end to end: the built CLI against a real MLflow server, and
// agreeing with `mlflow artifacts download` on what lands where.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { makeTempDir, venvPython } from '../support/repoPaths';

/** Every file below `dir` with its bytes, relative and sorted. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const full = path.join(dir, rel);
    if (fs.statSync(full).isFile()) out[rel.split(path.sep).join('/')] = fs.readFileSync(full).toString('base64');
  }
  return out;
}

describe('mlflow-wb artifacts (real server)', () => {
  let url: string;
  let runId: string;
  const binary = randomBytes(300_000);

  before(async () => {
    url = (await useMlflowServer()).url;
    const client = new MlflowRestClient({ baseUrl: url });
    const experimentId = await client.createExperiment(uniqueName('cli-artifacts'));
    runId = (await client.createRun(experimentId, 'with-artifacts')).run_id;
    await client.uploadArtifact(runId, 'notes.txt', 'hello\n');
    await client.uploadArtifact(runId, 'model/MLmodel', 'flavors: {}\n');
    await client.uploadArtifact(runId, 'model/data/weights.bin', binary);
  });

  it('lists a folder as text and JSON', async () => {
    const text = await runBuiltCli(['artifacts', 'list', '--run-id', runId, '--tracking-uri', url]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^PATH\s+TYPE\s+SIZE\n/);
    assert.match(text.stdout, /\nmodel\s+dir\n/);
    assert.match(text.stdout, /\nnotes\.txt\s+file\s+6\n?/);
    const json = await runBuiltCli(['artifacts', 'list', '--run-id', runId, '--path', 'model/data', '--format', 'json', '--tracking-uri', url]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { files: unknown[] }).files, [{ path: 'model/data/weights.bin', is_dir: false, file_size: binary.length }]);
  });

  it('downloads the whole run, a folder and one file where `mlflow artifacts download` puts them', async () => {
    const all = makeTempDir('cli-artifacts');
    const result = await runBuiltCli(['artifacts', 'download', '--run-id', runId, '--dest', all, '--tracking-uri', url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Downloaded 3 files to /);
    assert.deepEqual(Object.keys(filesOf(all)), ['model/MLmodel', 'model/data/weights.bin', 'notes.txt']);
    assert.ok(fs.readFileSync(path.join(all, 'model', 'data', 'weights.bin')).equals(binary));

    for (const artifactPath of ['model', 'notes.txt']) {
      const ours = makeTempDir('cli-artifacts');
      const theirs = makeTempDir('mlflow-artifacts');
      const mine = await runBuiltCli(['artifacts', 'download', '--run-id', runId, '--path', artifactPath, '--dest', ours, '--tracking-uri', url]);
      assert.equal(mine.code, 0, mine.stderr);
      const mlflow = spawnSync(
        venvPython,
        ['-m', 'mlflow', 'artifacts', 'download', '--run-id', runId, '--artifact-path', artifactPath, '--dst-path', theirs],
        {
          env: { ...process.env, MLFLOW_TRACKING_URI: url },
          encoding: 'utf8',
        },
      );
      assert.equal(mlflow.status, 0, mlflow.stderr);
      assert.deepEqual(filesOf(ours), filesOf(theirs), artifactPath);
    }
  });

  it('says what is wrong with missing options and an unknown run', async () => {
    const noDest = await runBuiltCli(['artifacts', 'download', '--run-id', runId, '--tracking-uri', url]);
    assert.equal(noDest.code, 2);
    assert.match(noDest.stderr, /--dest DIR is required/);
    const file = path.join(makeTempDir('cli-artifacts'), 'a-file');
    fs.writeFileSync(file, 'x');
    const destIsFile = await runBuiltCli(['artifacts', 'download', '--run-id', runId, '--dest', file, '--tracking-uri', url]);
    assert.equal(destIsFile.code, 1);
    assert.match(destIsFile.stderr, /--dest .*a-file is a file, not a folder\n$/);
    const unknown = await runBuiltCli(['artifacts', 'list', '--run-id', '0123456789abcdef0123456789abcdef', '--tracking-uri', url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /mlflow-wb artifacts list: /);
  });
});
