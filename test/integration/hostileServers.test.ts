// Hostile servers on 127.0.0.1 that imitate MLflow (and a Databricks workspace's artifact
// endpoints) and answer with traversal names: run ids, artifact paths, listing entries, model names
// and versions, logged model ids, signed URLs. The engine functions the extension opens artifacts
// with, and the built CLI's `artifacts download`, must write nothing outside their folder: each test
// snapshots a sandbox (the CLI's HOME included) and compares it after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { downloadArtifactToCache, downloadArtifactTree } from '../../src/engine/artifacts/artifactDownloads';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { UnsafeServerPathError } from '../../src/engine/safety/serverPaths';
import { loadInputExample, ModelUriError } from '../../src/engine/serving/modelArtifacts';
import { modelRequestKey, requestsFolder, saveSampleRequest } from '../../src/engine/serving/sampleRequests';
import { runBuiltCli } from '../support/cliCapture';
import { startHostileMlflowServer, type HostileMlflowServer } from '../support/hostileMlflowServer';
import { makeTempDir } from '../support/repoPaths';

/** Every entry below `dir` (files, folders, links), relative and sorted, with links marked. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const stat = fs.lstatSync(full);
      if (stat.isSymbolicLink()) out.push(`${rel} -> ${fs.readlinkSync(full)}`);
      else if (stat.isDirectory()) {
        out.push(`${rel}/`);
        walk(full, rel);
      } else out.push(rel);
    }
  };
  walk(dir, '');
  return out;
}

/** A sandbox standing for the person's disk: a home with a .bashrc, a cache, and a destination. */
function makeSandbox(): { root: string; home: string; cache: string; dest: string } {
  const root = fs.realpathSync(makeTempDir('hostile'));
  const home = path.join(root, 'home', 'u');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, '.bashrc'), 'original bashrc\n');
  const cache = path.join(root, 'globalStorage', 'artifacts');
  const dest = path.join(root, 'dest');
  return { root, home, cache, dest };
}

const refusedPath = (err: unknown) => err instanceof UnsafeServerPathError;

describe('hostile tracking servers: opening an artifact (the extension’s cache)', () => {
  let server: HostileMlflowServer;
  let client: MlflowRestClient;
  before(async () => {
    server = await startHostileMlflowServer();
    client = new MlflowRestClient({ baseUrl: server.url }, { maxRetries: 0 });
  });
  after(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.script = {};
  });

  it('refuses a traversal run id that points at the home folder, before asking for the bytes (issue #15 item 1)', async () => {
    const box = makeSandbox();
    fs.mkdirSync(box.cache, { recursive: true });
    const before = snapshot(box.root);
    // From <cache>/<run id>, eight levels up is the sandbox's root; then into the home folder.
    for (const runId of [`../../../../../../../..${box.home}`, '../../home/u', '..', `${box.home}`, 'a\\..\\..\\b', 'run\0id']) {
      await assert.rejects(downloadArtifactToCache(client, box.cache, runId, '.bashrc'), refusedPath, JSON.stringify(runId));
    }
    assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
    assert.deepEqual(snapshot(box.root), before);
    assert.equal(server.requests.length, 0, 'nothing is asked of the server for a refused name');
  });

  it('refuses traversal and absolute artifact paths and writes a legitimate one inside the run’s folder', async () => {
    const box = makeSandbox();
    for (const artifactPath of ['../../../../home/u/.bashrc', `${box.home}/.bashrc`, 'a/../../../x', 'C:/Users/u/x', 'model\\..\\..\\x', '']) {
      await assert.rejects(downloadArtifactToCache(client, box.cache, 'r1', artifactPath), refusedPath, artifactPath);
    }
    const file = await downloadArtifactToCache(client, box.cache, 'r1', 'model/MLmodel');
    assert.equal(file, path.join(box.cache, 'r1', 'model', 'MLmodel'));
    assert.equal(fs.readFileSync(file, 'utf8'), 'content of model/MLmodel');
    assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
    assert.deepEqual(
      snapshot(box.root).filter((p) => !p.startsWith('home/')),
      [
        'globalStorage/',
        'globalStorage/artifacts/',
        'globalStorage/artifacts/r1/',
        'globalStorage/artifacts/r1/model/',
        'globalStorage/artifacts/r1/model/MLmodel',
      ],
    );
  });

  it('does not follow a symbolic link planted in the cache (a run folder or a file) out of it', async () => {
    const box = makeSandbox();
    fs.mkdirSync(box.cache, { recursive: true });
    fs.symlinkSync(box.home, path.join(box.cache, 'r2'));
    await assert.rejects(downloadArtifactToCache(client, box.cache, 'r2', '.bashrc'), /symbolic link/);
    fs.mkdirSync(path.join(box.cache, 'r3'));
    fs.symlinkSync(path.join(box.home, '.bashrc'), path.join(box.cache, 'r3', 'notes.txt'));
    const file = await downloadArtifactToCache(client, box.cache, 'r3', 'notes.txt');
    assert.equal(fs.lstatSync(file).isSymbolicLink(), false);
    assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
  });

  it('refuses a model file name from a hostile MLmodel and keeps hostile model names inside the requests folder', async () => {
    const box = makeSandbox();
    server.script = {
      modelVersion: () => ({ source: 'runs:/r9/model' }),
      fileBytes: (p) => (p === 'model/MLmodel' ? 'saved_input_example_info:\n  serving_input_path: ../../../../home/u/.bashrc\n' : 'x'),
    };
    await assert.rejects(loadInputExample(client, 'models:/../../../../home/u/../1'), (err: unknown) => {
      assert.ok(err instanceof ModelUriError);
      assert.match(err.message, /climbs out/);
      return true;
    });
    // Sample requests are kept per model name: whatever the registry calls a model, one folder inside .mlflow/requests.
    for (const uri of ['models:/../../../home/u/1', 'models:/..@champion', 'runs:/../../x/model', 'models:/m-../../../evil']) {
      const folder = requestsFolder(box.root, modelRequestKey(uri));
      const file = await saveSampleRequest(folder, 'req', { contentType: 'application/json', body: '{"inputs": [1]}' });
      assert.equal(path.dirname(path.dirname(file)), path.join(box.root, '.mlflow', 'requests'), uri);
    }
    assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
    assert.deepEqual(
      snapshot(box.root).filter((p) => !p.startsWith('.mlflow/')),
      ['home/', 'home/u/', 'home/u/.bashrc'],
    );
  });

  it('downloads a hostile listing into the destination, refusing each entry that would leave it', async () => {
    const box = makeSandbox();
    server.script = {
      listings: {
        '': [
          { path: 'good.txt', is_dir: false },
          { path: '../escape.txt', is_dir: false },
          { path: `${box.home}/.bashrc`, is_dir: false },
          { path: 'a/../../escape.txt', is_dir: false },
          { path: 'dir', is_dir: true },
          { path: '..', is_dir: true },
          { path: 42, is_dir: false },
        ],
        dir: [
          { path: 'dir/ok.txt', is_dir: false },
          { path: 'dir', is_dir: true }, // itself: would loop
          { path: 'elsewhere/y.txt', is_dir: false }, // not inside the listed folder
          { path: 'dir/..\\..\\z', is_dir: false },
        ],
      },
    };
    const report = await downloadArtifactTree(client, 'r1', '', box.dest);
    assert.deepEqual(
      report.written.map((w) => w.path),
      ['good.txt', 'dir/ok.txt'],
    );
    assert.deepEqual(
      report.refused.map((r) => r.path),
      ['../escape.txt', `${box.home}/.bashrc`, 'a/../../escape.txt', '..', '42', 'dir', 'elsewhere/y.txt', 'dir/..\\..\\z'],
    );
    assert.deepEqual(snapshot(box.dest), ['dir/', 'dir/ok.txt', 'good.txt']);
    assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
    assert.deepEqual(snapshot(box.root), ['dest/', 'dest/dir/', 'dest/dir/ok.txt', 'dest/good.txt', 'home/', 'home/u/', 'home/u/.bashrc']);
  });
});

describe('hostile workspaces: signed URLs', () => {
  let server: HostileMlflowServer;
  let other: http.Server;
  let otherUrl: string;
  let otherHits = 0;
  let client: MlflowRestClient;
  before(async () => {
    server = await startHostileMlflowServer();
    client = new MlflowRestClient({ baseUrl: server.url, token: 'dapi-workspace-secret' }, { maxRetries: 0 });
    other = http.createServer((_req, res) => {
      otherHits++;
      res.end('internal secret');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  after(async () => {
    await server.stop();
    other.closeAllConnections();
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });
  beforeEach(() => {
    server.requests.length = 0;
    otherHits = 0;
  });

  const dbfs = (runId: string) => `dbfs:/databricks/mlflow-tracking/1/${runId}/artifacts`;
  const refusedUrl = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof MlflowApiError, String(err));
    assert.equal(err.errorCode, 'SIGNED_URL_REFUSED');
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /SECRET|dapi-/);
    return true;
  };

  it('fetches a loopback signed URL of a loopback workspace (the emulator) without the token, the cookie or the slipped-in Authorization', async () => {
    server.script = {
      artifactUri: dbfs,
      signedHeaders: [
        { name: 'x-amz-server-side-encryption', value: 'AES256' },
        { name: 'Authorization', value: 'Bearer slipped-in' },
        { name: 'Cookie', value: 'session=slipped-in' },
      ],
    };
    assert.equal((await client.downloadArtifact('r1', 'model/MLmodel')).toString(), 'content of model/MLmodel');
    const storage = server.requests.find((r) => r.url.startsWith('/storage/'))!;
    assert.equal(storage.headers.authorization, undefined);
    assert.equal(storage.headers.cookie, undefined);
    assert.equal(storage.headers['x-amz-server-side-encryption'], 'AES256');
  });

  it('refuses signed URLs to the metadata service, private networks and plain http, and sends nothing there', async () => {
    for (const [signed, pattern] of [
      ['http://169.254.169.254/latest/meta-data/iam?sig=SECRET', /not https/],
      ['https://169.254.169.254/latest/meta-data/iam?sig=SECRET', /private network/],
      ['https://10.0.0.7/bucket/x?sig=SECRET', /private network/],
      ['https://[fd00::7]/bucket/x?sig=SECRET', /private network/],
      ['file:///etc/passwd', /file, not https/],
    ] as const) {
      server.script = { artifactUri: dbfs, signedUri: () => signed };
      await assert.rejects(client.downloadArtifact('r1', 'x.txt'), refusedUrl(pattern), signed);
    }
  });

  it('does not follow a storage redirect to another address', async () => {
    server.script = { artifactUri: dbfs, storageRedirect: `${otherUrl}/steal` };
    await assert.rejects(client.downloadArtifact('r1', 'x.txt'), refusedUrl(/redirect/));
    assert.equal(otherHits, 0);
  });
});

describe('the built CLI against hostile servers: mlflow-wb artifacts', () => {
  let server: HostileMlflowServer;
  before(async () => {
    server = await startHostileMlflowServer();
  });
  after(() => server.stop());

  const hostileListing = (home: string) => ({
    '': [
      { path: 'good.txt', is_dir: false },
      { path: '../x', is_dir: false },
      { path: '/etc/hostile', is_dir: false },
      { path: `${home}/.bashrc`, is_dir: false },
      { path: 'a/../../x', is_dir: false },
      { path: 'model', is_dir: true },
    ],
    model: [
      { path: 'model/MLmodel', is_dir: false },
      { path: 'model/../../../home/u/.bashrc', is_dir: false },
    ],
  });

  for (const where of ['a tracking server', 'a workspace (signed URLs)'] as const) {
    it(`artifacts download from ${where}: writes only inside --dest, names each refused entry, exits 1; HOME untouched`, async () => {
      const box = makeSandbox();
      server.script = {
        listings: hostileListing(box.home),
        ...(where === 'a tracking server' ? {} : { artifactUri: (runId: string) => `dbfs:/databricks/mlflow-tracking/1/${runId}/artifacts` }),
      };
      server.requests.length = 0;
      const before = snapshot(box.root);
      const result = await runBuiltCli(['artifacts', 'download', '--run-id', 'r1', '--dest', box.dest, '--tracking-uri', server.url], { HOME: box.home });
      assert.equal(result.code, 1, result.stderr);
      for (const name of ['../x', '/etc/hostile', `${box.home}/.bashrc`, 'a/../../x', 'model/../../../home/u/.bashrc']) {
        assert.ok(result.stderr.includes(`refused ${JSON.stringify(name)}`), `${name} in:\n${result.stderr}`);
      }
      assert.match(result.stderr, /5 entries of the server's listing refused/);
      assert.match(result.stdout, /Downloaded 2 files to /);
      assert.deepEqual(snapshot(box.root), [...before, 'dest/', 'dest/good.txt', 'dest/model/', 'dest/model/MLmodel'].sort());
      assert.equal(fs.readFileSync(path.join(box.dest, 'model', 'MLmodel'), 'utf8'), 'content of model/MLmodel');
      assert.equal(fs.readFileSync(path.join(box.home, '.bashrc'), 'utf8'), 'original bashrc\n');
      if (where !== 'a tracking server')
        assert.ok(
          server.requests.some((r) => r.url.startsWith('/storage/model/MLmodel')),
          'through the signed URL',
        );
    });
  }

  it('artifacts download --path of one file, and refuses a --path that climbs out', async () => {
    const box = makeSandbox();
    server.script = {};
    const one = await runBuiltCli(['artifacts', 'download', '--run-id', 'r1', '--path', 'model/MLmodel', '--dest', box.dest, '--tracking-uri', server.url], {
      HOME: box.home,
    });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(snapshot(box.dest), ['model/', 'model/MLmodel']);
    const climbing = await runBuiltCli(['artifacts', 'download', '--run-id', 'r1', '--path', '../../x', '--dest', box.dest, '--tracking-uri', server.url], {
      HOME: box.home,
    });
    assert.equal(climbing.code, 2);
    assert.match(climbing.stderr, /--path "\.\.\/\.\.\/x" climbs out/);
  });

  it('artifacts list shows hostile names escaped, as text and as JSON', async () => {
    const box = makeSandbox();
    server.script = {
      listings: {
        '': [
          { path: 'evil\u001b]0;pwned\u0007.txt', is_dir: false, file_size: 3 },
          { path: 'model', is_dir: true },
        ],
      },
    };
    const text = await runBuiltCli(['artifacts', 'list', '--run-id', 'r1', '--tracking-uri', server.url], { HOME: box.home });
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes('\u001b'), 'no raw escape sequence reaches the terminal');
    assert.match(text.stdout, /"evil\\u001b\]0;pwned\\u0007\.txt"\s+file\s+3/);
    assert.match(text.stdout, /model\s+dir/);
    const json = await runBuiltCli(['artifacts', 'list', '--run-id', 'r1', '--tracking-uri', server.url, '--format', 'json'], { HOME: box.home });
    assert.deepEqual((JSON.parse(json.stdout) as { files: unknown[] }).files, [
      { path: 'evil\u001b]0;pwned\u0007.txt', is_dir: false, file_size: 3 },
      { path: 'model', is_dir: true },
    ]);
    assert.deepEqual(snapshot(box.root), ['home/', 'home/u/', 'home/u/.bashrc']);
  });
});
