// Large artifacts go to disk as they arrive, not through memory (issue #14 "large artifact downloads
// stream to disk"): a local server streams an artifact 12 times larger than the in-memory cap of one
// answer; opening it (the extension's cache) and `mlflow-wb artifacts download` (tracking server's
// artifact proxy and a workspace's signed URL) both write it whole. Were the bytes buffered, the cap
// would stop them with RESPONSE_TOO_LARGE.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadArtifactToCache } from '../../src/engine/artifacts/artifactDownloads';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli } from '../support/cliCapture';
import { patternByte, PATTERN_BLOCK, startHostileMlflowServer, type HostileMlflowServer } from '../support/hostileMlflowServer';
import { makeTempDir, repoRoot } from '../support/repoPaths';

const CAP_MB = 4;
const SIZE = CAP_MB * 12 * 1024 * 1024 + 12_345;

/** True when `file` holds exactly SIZE bytes of the server's pattern (read in blocks, never whole). */
function holdsThePattern(file: string): boolean {
  if (fs.statSync(file).size !== SIZE) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.alloc(PATTERN_BLOCK.length);
    for (let offset = 0; offset < SIZE; offset += block.length) {
      const n = fs.readSync(fd, block, 0, block.length, offset);
      for (let i = 0; i < n; i += 997) if (block[i] !== patternByte(offset + i)) return false;
      if (block[n - 1] !== patternByte(offset + n - 1)) return false;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

describe('large artifacts stream to disk', { timeout: 180_000 }, () => {
  let server: HostileMlflowServer;

  before(async () => {
    server = await startHostileMlflowServer({
      fileSize: (p) => (p.endsWith('big.bin') ? SIZE : undefined),
      listings: { '': [{ path: 'model', is_dir: true }], model: [{ path: 'model/big.bin', is_dir: false, file_size: SIZE }] },
    });
  });
  after(() => server.stop());

  it('opening a large artifact writes it to the cache past the in-memory cap, and nothing else', async () => {
    const client = new MlflowRestClient({ baseUrl: server.url, maxResponseBytes: CAP_MB * 1024 * 1024 }, { maxRetries: 0 });
    const cache = makeTempDir('stream-cache');
    const file = await downloadArtifactToCache(client, cache, 'r1', 'model/big.bin');
    assert.equal(file, path.join(fs.realpathSync(cache), 'r1', 'model', 'big.bin'));
    assert.ok(holdsThePattern(file), 'the whole artifact, byte for byte');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['big.bin'], 'no temporary file left');
    // The same cap still holds for what is read into memory.
    await assert.rejects(client.downloadArtifact('r1', 'model/big.bin'), /is larger than 4 MB, the limit for one answer/);
  });

  for (const where of ['a tracking server (artifact proxy)', 'a workspace (signed URL)'] as const) {
    it(`mlflow-wb artifacts download from ${where}: the large file arrives whole under a 4 MB cap`, async () => {
      assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
      server.script.artifactUri = where.startsWith('a workspace') ? (runId) => `dbfs:/databricks/mlflow-tracking/1/${runId}/artifacts` : undefined;
      server.requests.length = 0;
      const dest = makeTempDir('stream-dest');
      const result = await runBuiltCli(['artifacts', 'download', '--run-id', 'r1', '--dest', dest, '--tracking-uri', server.url], {
        MLFLOW_WB_MAX_RESPONSE_MB: String(CAP_MB),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Downloaded 1 file/);
      assert.ok(holdsThePattern(path.join(dest, 'model', 'big.bin')));
      assert.deepEqual(fs.readdirSync(path.join(dest, 'model')), ['big.bin']);
      if (where.startsWith('a workspace'))
        assert.ok(
          server.requests.some((r) => r.url.startsWith('/storage/model/big.bin')),
          'through the signed URL',
        );
    });
  }
});
