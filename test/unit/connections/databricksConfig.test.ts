import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  databricksConfigPath,
  DatabricksConfigError,
  parseDatabricksConfig,
  resolveDatabricksCredentials,
} from '../../../src/engine/connections/databricksConfig';
import { oauthM2mTokenProvider } from '../../../src/engine/connections/databricksAuth';
import { makeTempDir } from '../../support/repoPaths';

const CONFIG = `; written by databricks configure
[DEFAULT]
host = https://dbc-default.cloud.databricks.com/
token = dapi-default

[dev]
host: adb-123.azuredatabricks.net
token = dapi-dev
# a comment
[sp]
host = https://sp.cloud.databricks.com
client_id = 11111111-aaaa
client_secret = dose-secret
token =

[browser]
host = https://b.cloud.databricks.com
auth_type = databricks-cli

[nohost]
token = x
`;

function home(config?: string): string {
  const dir = makeTempDir('dbcfg');
  if (config !== undefined) fs.writeFileSync(path.join(dir, '.databrickscfg'), config);
  return dir;
}

describe('~/.databrickscfg', () => {
  it('parses sections, both separators, comments, and DEFAULT inheritance like configparser', () => {
    const sections = parseDatabricksConfig(CONFIG);
    assert.deepEqual([...sections.keys()], ['DEFAULT', 'dev', 'sp', 'browser', 'nohost']);
    assert.equal(sections.get('dev')?.host, 'adb-123.azuredatabricks.net');
    assert.equal(sections.get('dev')?.token, 'dapi-dev');
    // [sp] sets an empty token, which hides DEFAULT's; [browser] inherits DEFAULT's token.
    assert.equal(sections.get('sp')?.token, '');
    assert.equal(sections.get('browser')?.token, 'dapi-default');
  });

  it('reads DATABRICKS_CONFIG_FILE, else ~/.databrickscfg', () => {
    assert.equal(databricksConfigPath({ env: {}, homeDir: '/h' }), path.join('/h', '.databrickscfg'));
    assert.equal(databricksConfigPath({ env: { DATABRICKS_CONFIG_FILE: '/etc/dbcfg' }, homeDir: '/h' }), '/etc/dbcfg');
    assert.equal(databricksConfigPath({ env: { DATABRICKS_CONFIG_FILE: '~/x.cfg' }, homeDir: '/h' }), path.join('/h', 'x.cfg'));
  });

  it('uses a named profile, with the host normalised to https without a trailing slash', async () => {
    const creds = await resolveDatabricksCredentials('dev', { env: {}, homeDir: home(CONFIG) });
    assert.equal(creds.host, 'https://adb-123.azuredatabricks.net');
    assert.deepEqual(creds.auth, { kind: 'pat', token: 'dapi-dev' });
    assert.equal(creds.source, '~/.databrickscfg [dev]');
  });

  it('prefers DATABRICKS_HOST/TOKEN over the DEFAULT profile, as the Databricks SDK does', async () => {
    const env = { DATABRICKS_HOST: 'env.cloud.databricks.com', DATABRICKS_TOKEN: 'dapi-env' };
    const creds = await resolveDatabricksCredentials(undefined, { env, homeDir: home(CONFIG) });
    assert.equal(creds.host, 'https://env.cloud.databricks.com');
    assert.deepEqual(creds.auth, { kind: 'pat', token: 'dapi-env' });
    assert.equal(creds.source, 'environment');
  });

  it('falls back on [DEFAULT], and honours DATABRICKS_CONFIG_PROFILE', async () => {
    const dir = home(CONFIG);
    assert.equal((await resolveDatabricksCredentials(undefined, { env: {}, homeDir: dir })).host, 'https://dbc-default.cloud.databricks.com');
    assert.equal((await resolveDatabricksCredentials(undefined, { env: { DATABRICKS_CONFIG_PROFILE: 'dev' }, homeDir: dir })).profile, 'dev');
  });

  it('recognises OAuth machine-to-machine profiles', async () => {
    const creds = await resolveDatabricksCredentials('sp', { env: {}, homeDir: home(CONFIG) });
    assert.deepEqual(creds.auth, { kind: 'oauth-m2m', clientId: '11111111-aaaa', clientSecret: 'dose-secret' });
  });

  it('names the file, the profile and what is missing', async () => {
    const dir = home(CONFIG);
    await assert.rejects(resolveDatabricksCredentials('prod', { env: {}, homeDir: dir }), (err: unknown) => {
      assert.ok(err instanceof DatabricksConfigError);
      assert.match(err.message, /~\/\.databrickscfg has no \[prod\] profile \(profiles: DEFAULT, dev, sp, browser, nohost\)/);
      return true;
    });
    // In CONFIG, [nohost] inherits DEFAULT's host (configparser semantics); alone it has none.
    assert.equal((await resolveDatabricksCredentials('nohost', { env: {}, homeDir: dir })).host, 'https://dbc-default.cloud.databricks.com');
    await assert.rejects(resolveDatabricksCredentials('nohost', { env: {}, homeDir: home('[nohost]\ntoken = x\n') }), /\[nohost\] has no 'host'/);
    assert.deepEqual((await resolveDatabricksCredentials('cli', { env: {}, homeDir: home('[cli]\nhost = h\nauth_type = databricks-cli\n') })).auth, {
      kind: 'databricks-cli',
      profile: 'cli',
    });
    assert.deepEqual(
      (await resolveDatabricksCredentials('az', { env: {}, homeDir: home('[az]\nhost = h\nauth_type = azure-cli\nazure_tenant_id = t1\n') })).auth,
      {
        kind: 'azure-cli',
        tenantId: 't1',
      },
    );
    await assert.rejects(
      resolveDatabricksCredentials('browser', { env: {}, homeDir: home('[browser]\nhost = h\nauth_type = external-browser\n') }),
      /external-browser.*databricks auth login --profile browser/,
    );
    // A host alone: the Databricks CLI's sign-in when the CLI is there, else a message that says how to sign in.
    assert.deepEqual(
      (await resolveDatabricksCredentials('bare', { env: { PATH: '' }, databricksCliPath: '/opt/databricks', homeDir: home('[bare]\nhost = h\n') })).auth,
      { kind: 'databricks-cli', profile: 'bare' },
    );
    await assert.rejects(
      resolveDatabricksCredentials('bare', { env: { PATH: '' }, homeDir: home('[bare]\nhost = h\n') }),
      /no credentials: sign in with `databricks auth login --profile bare`/,
    );
    await assert.rejects(
      resolveDatabricksCredentials(undefined, { env: {}, homeDir: home() }),
      /No Databricks credentials: sign in with 'databricks auth login --host https:\/\/<workspace>' \(it writes ~\/\.databrickscfg\), or set DATABRICKS_HOST and DATABRICKS_TOKEN\./,
    );
    await assert.rejects(
      resolveDatabricksCredentials('dev', { env: {}, homeDir: home() }),
      /profile 'dev' was asked for, but ~\/\.databrickscfg does not exist/,
    );
    await assert.rejects(resolveDatabricksCredentials(undefined, { env: { DATABRICKS_TOKEN: 't' }, homeDir: home() }), /DATABRICKS_HOST is not/);
    await assert.rejects(resolveDatabricksCredentials(undefined, { env: { DATABRICKS_HOST: 'h' }, homeDir: home() }), /without credentials/);
  });

  it('never puts a token or secret in an error message', async () => {
    const dir = home('[x]\ntoken = dapi-very-secret\n');
    await assert.rejects(resolveDatabricksCredentials('x', { env: {}, homeDir: dir }), (err: unknown) => !String(err).includes('dapi-very-secret'));
  });

  it('fetches and caches an OAuth M2M token with client credentials', async () => {
    const requests: { auth?: string; body: string; url?: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ auth: req.headers.authorization, body, url: req.url });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: `tok${requests.length}`, expires_in: 3600, token_type: 'Bearer' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const getToken = oauthM2mTokenProvider(host, 'cid', 'csecret');
      assert.deepEqual(await Promise.all([getToken(), getToken()]), ['tok1', 'tok1']);
      assert.equal(await getToken(), 'tok1');
      assert.equal(requests.length, 1);
      assert.equal(requests[0].url, '/oidc/v1/token');
      assert.equal(requests[0].auth, `Basic ${Buffer.from('cid:csecret').toString('base64')}`);
      assert.equal(new URLSearchParams(requests[0].body).get('grant_type'), 'client_credentials');
      assert.equal(new URLSearchParams(requests[0].body).get('scope'), 'all-apis');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
