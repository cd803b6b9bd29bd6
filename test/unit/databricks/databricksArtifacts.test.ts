// Databricks-managed artifact locations: URI parsing, the signed GET's headers and errors, and the
// client's download path against a tiny scripted HTTP server (a protocol test, not a workspace).
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  isDatabricksManagedArtifactUri,
  parseDbfsArtifactUri,
  redactSignedUri,
  signedRequestHeaders,
  signedUrlError,
} from '../../../src/engine/databricks/databricksArtifacts';
import { MlflowApiError, MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';

describe('Databricks artifact URIs', () => {
  it('parses run, logged model and plain DBFS locations', () => {
    assert.deepEqual(parseDbfsArtifactUri('dbfs:/databricks/mlflow-tracking/123/abc/artifacts'), {
      kind: 'run',
      experimentId: '123',
      runId: 'abc',
      subPath: '',
    });
    assert.deepEqual(parseDbfsArtifactUri('dbfs:/databricks/mlflow-tracking/123/abc/artifacts/model/'), {
      kind: 'run',
      experimentId: '123',
      runId: 'abc',
      subPath: 'model',
    });
    assert.deepEqual(parseDbfsArtifactUri('dbfs://my-profile@databricks/databricks/mlflow-tracking/1/r/artifacts'), {
      kind: 'run',
      experimentId: '1',
      runId: 'r',
      subPath: '',
    });
    assert.deepEqual(parseDbfsArtifactUri('dbfs:/databricks/mlflow-tracking/7/logged_models/m-42/artifacts'), {
      kind: 'logged-model',
      experimentId: '7',
      modelId: 'm-42',
      subPath: '',
    });
    assert.deepEqual(parseDbfsArtifactUri('dbfs:/mnt/team/runs/abc/artifacts'), { kind: 'dbfs', path: '/mnt/team/runs/abc/artifacts' });
    assert.deepEqual(parseDbfsArtifactUri('dbfs:/databricks/mlflow-tracking'), { kind: 'dbfs', path: '/databricks/mlflow-tracking' });
    assert.equal(parseDbfsArtifactUri('mlflow-artifacts:/0/abc/artifacts'), undefined);
    assert.equal(parseDbfsArtifactUri('s3://bucket/x'), undefined);
    assert.equal(parseDbfsArtifactUri('dbfs:/a/../b'), undefined);
    assert.equal(isDatabricksManagedArtifactUri('dbfs:/databricks/mlflow-tracking/1/r/artifacts'), true);
    assert.equal(isDatabricksManagedArtifactUri('dbfs:/mnt/x'), false);
  });

  it('sends only the credential’s headers, never an Authorization header', () => {
    const headers = signedRequestHeaders({
      signed_uri: 'https://acct.blob.core.windows.net/c/x?sig=secret',
      headers: [
        { name: 'x-ms-version', value: '2020-02-10' },
        { name: 'Authorization', value: 'Bearer dapi-leak' },
      ],
    });
    assert.deepEqual(headers, { 'x-ms-version': '2020-02-10' });
  });

  it('explains refused and missing signed URLs without showing the signature', () => {
    const expired = signedUrlError(403, 'https://acct.blob.core.windows.net/c/run/a.txt?sv=1&sig=SECRET', 'a.txt', 'AuthenticationFailed');
    assert.equal(expired.errorCode, 'SIGNED_URL_REJECTED');
    assert.match(expired.message, /expired/);
    assert.match(expired.message, /Open the artifact again/);
    assert.doesNotMatch(expired.message, /SECRET/);
    assert.equal(redactSignedUri('https://h/p/a.txt?sig=SECRET'), 'https://h/p/a.txt');
    assert.equal(signedUrlError(404, 'https://h/x', 'x').errorCode, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('MlflowRestClient.downloadArtifact on Databricks locations', () => {
  let server: http.Server;
  let base: string;
  let seen: { method: string; url: string; authorization?: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
  let artifactUri = '';
  let storageStatus: number[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body, headers: req.headers });
        const url = new URL(req.url ?? '/', base);
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (url.pathname === '/api/2.0/mlflow/runs/get') return json(200, { run: { info: { run_id: 'r1', artifact_uri: artifactUri }, data: {} } });
        if (url.pathname === '/api/2.0/mlflow/artifacts/credentials-for-read') {
          const request = JSON.parse(body) as { run_id: string; path: string[] };
          return json(200, {
            credential_infos: request.path.map((p) => ({
              run_id: request.run_id,
              path: p,
              signed_uri: `${base}/storage/${p}?sig=s${seen.length}`,
              type: 'AWS_PRESIGNED_URL',
              headers: [{ name: 'x-amz-meta-test', value: 'yes' }],
            })),
          });
        }
        if (url.pathname.startsWith('/storage/')) {
          const status = storageStatus.shift() ?? 200;
          res.writeHead(status);
          res.end(
            status === 200
              ? `bytes of ${url.pathname.slice('/storage/'.length)}`
              : '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
          );
          return;
        }
        if (url.pathname === '/api/2.0/dbfs/read') {
          const offset = Number(url.searchParams.get('offset'));
          const length = Number(url.searchParams.get('length'));
          const total = Buffer.alloc(1024 * 1024 + 10, 7);
          const slice = total.subarray(offset, offset + length);
          return json(200, { bytes_read: slice.length, data: slice.toString('base64') });
        }
        json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'no' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = [];
    storageStatus = [];
  });

  const client = () => new MlflowRestClient({ baseUrl: base, token: 'dapi-secret' }, { maxRetries: 0 });

  it('asks credentials-for-read and GETs the signed URL with its headers and no token', async () => {
    artifactUri = 'dbfs:/databricks/mlflow-tracking/5/r1/artifacts';
    const data = await client().downloadArtifact('r1', 'model/MLmodel');
    assert.equal(data.toString(), 'bytes of model/MLmodel');
    const credentials = seen.find((s) => s.url.startsWith('/api/2.0/mlflow/artifacts/credentials-for-read'))!;
    assert.equal(credentials.method, 'POST');
    assert.deepEqual(JSON.parse(credentials.body), { run_id: 'r1', path: ['model/MLmodel'] });
    assert.equal(credentials.authorization, 'Bearer dapi-secret');
    const storage = seen.find((s) => s.url.startsWith('/storage/'))!;
    assert.equal(storage.authorization, undefined);
    assert.equal(storage.headers['x-amz-meta-test'], 'yes');
  });

  it('asks for a new URL once when the storage refuses one, then explains', async () => {
    artifactUri = 'dbfs:/databricks/mlflow-tracking/5/r1/artifacts';
    storageStatus = [403];
    assert.equal((await client().downloadArtifact('r1', 'a.txt')).toString(), 'bytes of a.txt');
    storageStatus = [403, 403];
    await assert.rejects(client().downloadArtifact('r1', 'a.txt'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.errorCode, 'SIGNED_URL_REJECTED');
      assert.match(err.message, /expired/);
      assert.doesNotMatch(err.message, /sig=/);
      return true;
    });
  });

  it('reads other dbfs:/ locations with DBFS read in 1 MB chunks', async () => {
    artifactUri = 'dbfs:/mnt/team/exp/r1/artifacts';
    const data = await client().downloadArtifact('r1', 'big.bin');
    assert.equal(data.length, 1024 * 1024 + 10);
    const reads = seen.filter((s) => s.url.startsWith('/api/2.0/dbfs/read'));
    assert.equal(reads.length, 2);
    assert.equal(new URL(reads[0]!.url, base).searchParams.get('path'), '/mnt/team/exp/r1/artifacts/big.bin');
    assert.equal(new URL(reads[1]!.url, base).searchParams.get('offset'), String(1024 * 1024));
  });
});
