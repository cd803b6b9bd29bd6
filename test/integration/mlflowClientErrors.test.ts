// Failure modes a person meets: a server behind basic auth, a server that lacks an endpoint, a server that is down.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { resolveTracking } from '../../src/engine/connections/trackingUri';
import { isUnreachable, MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { isEndpointMissing } from '../../src/engine/mlflow/registryCapabilities';
import { findFreePort } from '../../src/engine/process/freePort';
import { useMlflowServer } from '../support/mlflowServer';
import { makeTempDir } from '../support/repoPaths';

/** Calls an endpoint no MLflow server has, the way a newer client meets an older server. */
class FutureClient extends MlflowRestClient {
  callMissing(): Promise<unknown> {
    return this.post('future-feature/search', { experiment_ids: ['0'] }, {}, true);
  }
}

describe('MLflow REST client: failures against real servers', () => {
  let mlflowUrl: string;
  let proxy: http.Server;
  let proxyUrl: string;

  before(async () => {
    mlflowUrl = (await useMlflowServer()).url;
    const upstream = new URL(mlflowUrl);
    const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    // A reverse proxy that requires basic auth, as people put in front of `mlflow server`.
    proxy = http.createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mlflow"', 'Content-Type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host, authorization: '' },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it('says authentication failed behind basic auth, without echoing the password', async () => {
    const wrong = await resolveTracking(proxyUrl.replace('http://', 'http://alice:wrong@'), { env: {}, homeDir: makeTempDir('home') });
    await assert.rejects(new MlflowRestClient(wrong.connection).searchExperiments(), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /authentication failed: check the token \/ username/);
      assert.ok(err.message.includes(proxyUrl), err.message);
      assert.ok(!err.message.includes('wrong'), err.message);
      return true;
    });
  });

  it('gets through with the right user:password from the URL or from MLFLOW_TRACKING_USERNAME/PASSWORD', async () => {
    const fromUrl = await resolveTracking(proxyUrl.replace('http://', 'http://alice:s3cret@'), { env: {}, homeDir: makeTempDir('home') });
    const page = await new MlflowRestClient(fromUrl.connection).searchExperiments({ filter: "name = 'Default'" });
    assert.deepEqual(
      page.items.map((e) => e.experiment_id),
      ['0'],
    );
    const fromEnv = await resolveTracking(proxyUrl, {
      env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret' },
      homeDir: makeTempDir('home'),
    });
    assert.equal((await new MlflowRestClient(fromEnv.connection).getExperiment('0')).name, 'Default');
  });

  it('marks an endpoint the server lacks as ENDPOINT_NOT_FOUND so the UI can hide the feature', async () => {
    await assert.rejects(new FutureClient({ baseUrl: mlflowUrl }).callMissing(), (err: unknown) => {
      assert.ok(isEndpointMissing(err), String(err));
      assert.match((err as Error).message, /does not offer POST \/api\/2\.0\/mlflow\/future-feature\/search \(HTTP 404\)/);
      return true;
    });
  });

  it('names the address of a server that is down', async () => {
    const port = await findFreePort();
    const client = new MlflowRestClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 3000 }, { maxRetries: 0 });
    await assert.rejects(client.searchExperiments(), (err: unknown) => {
      assert.ok(isUnreachable(err));
      assert.match((err as Error).message, new RegExp(`Cannot reach the MLflow tracking server at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
      return true;
    });
  });
});
