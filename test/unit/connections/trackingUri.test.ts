import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tokenSourceAuth } from '../../../src/engine/http/httpAuth';
import { describe, it } from 'node:test';
import { databricksModelUrl, parseTrackingUri, resolveTracking, trackingProcessEnv, TrackingUriError } from '../../../src/engine/connections/trackingUri';
import { registryCapabilities, registryCapabilityText } from '../../../src/engine/mlflow/registryCapabilities';
import { makeTempDir } from '../../support/repoPaths';

const noHome = () => makeTempDir('home');

describe('tracking URI', () => {
  it('classifies URIs the way MLflow does', () => {
    assert.deepEqual(parseTrackingUri('http://127.0.0.1:5000'), { kind: 'http', url: 'http://127.0.0.1:5000' });
    assert.deepEqual(parseTrackingUri('databricks'), { kind: 'databricks', unityCatalog: false });
    assert.deepEqual(parseTrackingUri('databricks://dev'), { kind: 'databricks', profile: 'dev', unityCatalog: false });
    assert.deepEqual(parseTrackingUri('databricks-uc://dev'), { kind: 'databricks', profile: 'dev', unityCatalog: true });
    assert.deepEqual(parseTrackingUri('databricks://scope:prefix'), { kind: 'databricks-secret-scope', scope: 'scope', keyPrefix: 'prefix' });
    for (const local of ['file:///tmp/mlruns', './mlruns', '/abs/mlruns', 'sqlite:///mlflow.db', 'C:\\mlruns']) {
      assert.equal(parseTrackingUri(local).kind, 'local-store', local);
    }
    assert.throws(() => parseTrackingUri('databricks:/dev'), /malformed.*two slashes/);
    assert.throws(() => parseTrackingUri('databricks://s:'), /key prefix after ':' is empty/);
    assert.throws(
      () => parseTrackingUri('s3://bucket/x'),
      (err: unknown) => err instanceof TrackingUriError && err.code === 'UNSUPPORTED_URI',
    );
  });

  it('takes MLFLOW_TRACKING_URI when the URI is empty, and says what to set when both are', async () => {
    const resolved = await resolveTracking('', { env: { MLFLOW_TRACKING_URI: 'http://h:5000/' }, homeDir: noHome() });
    assert.equal(resolved.connection.baseUrl, 'http://h:5000');
    assert.equal(resolved.label, 'MLflow h:5000');
    await assert.rejects(resolveTracking(undefined, { env: {}, homeDir: noHome() }), /No tracking URI: set mlflow\.trackingUri.*MLFLOW_TRACKING_URI/);
  });

  it('turns user:pass@ into basic auth and keeps it out of the URL, label and links', async () => {
    const r = await resolveTracking('https://al%40ce:p%3Ass@mlflow.example.com/prefix', { env: {}, homeDir: noHome() });
    assert.deepEqual(r.connection.basicAuth, { username: 'al@ce', password: 'p:ss' });
    assert.equal(r.connection.baseUrl, 'https://mlflow.example.com/prefix');
    for (const shown of [r.label, r.trackingUri, r.webUiUrl('1', 'abc')]) assert.ok(!shown.includes('p:ss') && !shown.includes('p%3Ass'), shown);
    assert.equal(r.webUiUrl('1', 'abc'), 'https://mlflow.example.com/prefix/#/experiments/1/runs/abc');
    assert.equal(r.webUiUrl('1'), 'https://mlflow.example.com/prefix/#/experiments/1');
    assert.equal(r.modelUiUrl('my model', '3'), 'https://mlflow.example.com/prefix/#/models/my%20model/versions/3');
  });

  it('honours MLFLOW_TRACKING_USERNAME/PASSWORD, ~/.mlflow/credentials, and MLFLOW_TRACKING_TOKEN like MLflow', async () => {
    const env = { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p', MLFLOW_TRACKING_TOKEN: 't' };
    assert.deepEqual((await resolveTracking('http://h', { env, homeDir: noHome() })).connection.basicAuth, { username: 'u', password: 'p' });
    const tokenOnly = (await resolveTracking('http://h', { env: { MLFLOW_TRACKING_TOKEN: 't' }, homeDir: noHome() })).connection;
    assert.equal(tokenOnly.token, 't');
    assert.equal(tokenOnly.basicAuth, undefined);
    const home = noHome();
    fs.mkdirSync(path.join(home, '.mlflow'));
    fs.writeFileSync(path.join(home, '.mlflow', 'credentials'), '[mlflow]\nmlflow_tracking_username = fu\nmlflow_tracking_password = fp\n');
    assert.deepEqual((await resolveTracking('http://h', { env: {}, homeDir: home })).connection.basicAuth, { username: 'fu', password: 'fp' });
    assert.deepEqual((await resolveTracking('http://h', { env: { MLFLOW_TRACKING_USERNAME: 'eu' }, homeDir: home })).connection.basicAuth, {
      username: 'eu',
      password: 'fp',
    });
  });

  it('uses MLFLOW_HTTP_REQUEST_TIMEOUT (seconds) for the timeout', async () => {
    assert.equal((await resolveTracking('http://h', { env: { MLFLOW_HTTP_REQUEST_TIMEOUT: '7' }, homeDir: noHome() })).connection.timeoutMs, 7000);
    assert.equal((await resolveTracking('http://h', { env: {}, homeDir: noHome() })).connection.timeoutMs, 30_000);
  });

  it('connects databricks://<profile> to the workspace host with a bearer token, and builds workspace links', async () => {
    const home = noHome();
    fs.writeFileSync(path.join(home, '.databrickscfg'), '[dev]\nhost = https://adb-1.azuredatabricks.net/\ntoken = dapi-x\n');
    const r = await resolveTracking('databricks://dev', { env: {}, homeDir: home });
    assert.equal(r.kind, 'databricks');
    assert.equal(r.connection.baseUrl, 'https://adb-1.azuredatabricks.net');
    assert.equal(r.connection.token, 'dapi-x');
    assert.equal(r.label, 'Databricks adb-1.azuredatabricks.net (profile dev)');
    assert.ok(!r.label.includes('dapi'));
    assert.equal(r.webUiUrl('42', 'r1'), 'https://adb-1.azuredatabricks.net/ml/experiments/42/runs/r1');
    assert.equal(r.modelUiUrl('churn', '2'), 'https://adb-1.azuredatabricks.net/ml/models/churn/versions/2');
    assert.equal(
      databricksModelUrl(r.connection.baseUrl, 'main.ml.churn', '2'),
      'https://adb-1.azuredatabricks.net/explore/data/models/main/ml/churn/version/2',
    );
  });

  it('gives OAuth M2M profiles a token provider instead of a fixed token', async () => {
    const home = noHome();
    fs.writeFileSync(path.join(home, '.databrickscfg'), '[DEFAULT]\nhost = h.cloud.databricks.com\nclient_id = c\nclient_secret = s\n');
    const r = await resolveTracking('databricks', { env: {}, homeDir: home });
    assert.equal(r.connection.token, undefined);
    assert.equal(r.connection.auth?.kind, 'oauth-m2m');
    assert.equal(typeof r.connection.auth?.token, 'function');
  });

  it('explains Databricks configuration problems as TrackingUriError', async () => {
    await assert.rejects(
      resolveTracking('databricks://prod', { env: {}, homeDir: noHome() }),
      (err: unknown) => err instanceof TrackingUriError && err.code === 'DATABRICKS_CONFIG' && /profile 'prod'/.test(err.message),
    );
    await assert.rejects(resolveTracking('databricks://scope:key', { env: {}, homeDir: noHome() }), /secret scope 'scope'.*inside a Databricks runtime/);
  });

  it('says a local store needs the embedded server, and hands over the store URI', async () => {
    await assert.rejects(
      resolveTracking('file:///tmp/mlruns', { env: {}, homeDir: noHome() }),
      (err: unknown) =>
        err instanceof TrackingUriError &&
        err.code === 'NEEDS_LOCAL_SERVER' &&
        err.storeUri === 'file:///tmp/mlruns' &&
        /embedded tracking server/.test(err.message),
    );
  });

  it('knows Unity Catalog registries have aliases but no stages', () => {
    assert.deepEqual(registryCapabilities({ modelName: 'main.ml.churn' }), { stages: false, aliases: true, unityCatalog: true });
    assert.deepEqual(registryCapabilities({ registryUri: 'databricks-uc' }), { stages: false, aliases: true, unityCatalog: true });
    assert.deepEqual(registryCapabilities({ modelName: 'churn' }), { stages: true, aliases: true, unityCatalog: false });
    assert.equal(registryCapabilities({ modelName: 'a..b' }).unityCatalog, false);
  });
});

describe('the environment of child MLflow processes', () => {
  const base = { baseUrl: 'https://example.cloud.databricks.com' };
  it('passes the credentials the way MLflow reads them', async () => {
    assert.deepEqual(await trackingProcessEnv({ kind: 'mlflow', trackingUri: 'http://h:5000', connection: { baseUrl: 'http://h:5000', token: 't0k' } }), {
      MLFLOW_TRACKING_URI: 'http://h:5000',
      MLFLOW_TRACKING_TOKEN: 't0k',
    });
    assert.deepEqual(
      await trackingProcessEnv({
        kind: 'mlflow',
        trackingUri: 'http://h:5000',
        connection: { baseUrl: 'http://h:5000', basicAuth: { username: 'u', password: 'p' } },
      }),
      {
        MLFLOW_TRACKING_URI: 'http://h:5000',
        MLFLOW_TRACKING_USERNAME: 'u',
        MLFLOW_TRACKING_PASSWORD: 'p',
      },
    );
    assert.deepEqual(await trackingProcessEnv({ kind: 'databricks', trackingUri: 'databricks', connection: { ...base, token: 'dapi1' } }), {
      MLFLOW_TRACKING_URI: 'databricks',
      DATABRICKS_HOST: base.baseUrl,
      DATABRICKS_TOKEN: 'dapi1',
    });
    // A profile is read from ~/.databrickscfg by MLflow itself.
    assert.deepEqual(await trackingProcessEnv({ kind: 'databricks', trackingUri: 'databricks://dev', connection: { ...base, token: 'dapi1' } }), {
      MLFLOW_TRACKING_URI: 'databricks://dev',
    });
  });

  it('hands a child a short-lived token, not a profile or a CLI, when the sign-in is the Databricks CLI', async () => {
    const auth = tokenSourceAuth('databricks-cli', async () => 'short-lived-1');
    assert.deepEqual(await trackingProcessEnv({ kind: 'databricks', trackingUri: 'databricks-uc://dev', connection: { ...base, auth } }), {
      MLFLOW_TRACKING_URI: 'databricks-uc',
      DATABRICKS_HOST: base.baseUrl,
      DATABRICKS_TOKEN: 'short-lived-1',
      DATABRICKS_AUTH_TYPE: 'pat',
      DATABRICKS_CONFIG_PROFILE: '',
    });
  });
});

describe('what a registry supports, said on its connection row', () => {
  it('names aliases only for Unity Catalog, transition requests for a Databricks workspace, deprecated stages for MLflow', () => {
    assert.equal(registryCapabilityText(registryCapabilities({ registryUri: 'databricks-uc' }), true), 'Unity Catalog: aliases, no stages');
    assert.equal(registryCapabilityText(registryCapabilities({}), true), 'aliases, stages, transition requests');
    assert.equal(registryCapabilityText(registryCapabilities({}), false), 'aliases; stages (deprecated)');
  });
});
