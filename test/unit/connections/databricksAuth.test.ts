// Token sources of the Databricks CLI and Azure CLI sign-ins, against the fake executables of
// test/fixtures/fake-cli (which implement the documented `auth token` / `get-access-token` contracts).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { azureCliTokenProvider, databricksAuth, databricksCliTokenProvider } from '../../../src/engine/connections/databricksAuth';
import { fakeAzureCli, fakeDatabricksCli } from '../../support/fakeClis';

const HOST = 'https://dbc-test.cloud.databricks.com';

describe('Databricks CLI and Azure CLI sign-in', () => {
  it('asks `databricks auth token --profile`, keeps the token until shortly before expiry, then asks again', async () => {
    const cli = fakeDatabricksCli();
    const env = { ...process.env, ...cli.env };
    cli.signIn('dev', HOST, 'tok-long', new Date(Date.now() + 3600_000));
    const longLived = databricksCliTokenProvider(HOST, 'dev', { env });
    assert.equal(await longLived(), 'tok-long');
    assert.equal(await longLived(), 'tok-long');
    assert.deepEqual(cli.calls(), [['auth', 'token', '--profile', 'dev']]);

    cli.signIn('soon', HOST, 'tok-soon', new Date(Date.now() + 30_000));
    const expiring = databricksCliTokenProvider(HOST, 'soon', { env });
    await expiring();
    await expiring();
    assert.equal(cli.calls().filter((c) => c.includes('soon')).length, 2, 'a token within a minute of expiry is asked for again');
  });

  it('falls back on --host, and says how to sign in when neither works; the token never shows', async () => {
    const cli = fakeDatabricksCli();
    const env = { ...process.env, ...cli.env };
    cli.signIn('dev', HOST, 'tok-secret-value', new Date(Date.now() + 3600_000));
    assert.equal(await databricksCliTokenProvider(HOST + '/', 'old-name', { env })(), 'tok-secret-value');
    assert.deepEqual(cli.calls().slice(-2), [
      ['auth', 'token', '--profile', 'old-name'],
      ['auth', 'token', '--host', HOST],
    ]);
    await assert.rejects(databricksCliTokenProvider('https://other.cloud.databricks.com', 'nope', { env })(), (err: Error) => {
      assert.match(err.message, /`databricks auth token --profile nope` said: resolve: .*has no nope profile configured/);
      assert.match(err.message, /Sign in with `databricks auth login --host https:\/\/other\.cloud\.databricks\.com --profile nope`/);
      return true;
    });
    await assert.rejects(databricksCliTokenProvider(HOST, 'dev', { env: { PATH: '' } })(), /needs the Databricks CLI, which was not found on PATH/);
    await assert.rejects(
      databricksCliTokenProvider(HOST, 'dev', { env, databricksCliPath: '/no/such/databricks' })(),
      /'\/no\/such\/databricks' does not exist/,
    );
  });

  it('signs requests with the CLI token, a PAT or the Azure CLI token', async () => {
    const cli = fakeDatabricksCli();
    cli.signIn('dev', HOST, 'tok-cli', new Date(Date.now() + 3600_000));
    const auth = databricksAuth({ host: HOST, auth: { kind: 'databricks-cli', profile: 'dev' }, source: 'test' }, { env: { ...process.env, ...cli.env } });
    assert.equal(auth.kind, 'databricks-cli');
    assert.equal(await auth.header(), 'Bearer tok-cli');
    assert.deepEqual(auth.secrets(), ['tok-cli']);
    assert.equal(await databricksAuth({ host: HOST, auth: { kind: 'pat', token: 'dapi1' }, source: 't' }).header(), 'Bearer dapi1');

    const az = fakeAzureCli('tok-azure');
    const azEnv = { ...process.env, ...az.env };
    assert.equal(await azureCliTokenProvider('tenant-9', { env: azEnv })(), 'tok-azure');
    assert.deepEqual(az.calls(), [
      ['account', 'get-access-token', '--resource', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d', '--output', 'json', '--tenant', 'tenant-9'],
    ]);
    const signedOut = fakeAzureCli(undefined);
    await assert.rejects(
      azureCliTokenProvider(undefined, { env: { ...process.env, ...signedOut.env } })(),
      /said: Please run 'az login' to setup account\. Run `az login`/,
    );
  });
});
