// Which signed URLs a workspace may send the product to: https to public hosts only, loopback only
// for a workspace that is itself on loopback (the emulator), names checked by what they resolve to.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSignedUrl, isInternalAddress, SignedUrlRefusedError, signedUrlProblem } from '../../../src/engine/safety/signedUrlPolicy';

const WORKSPACE = 'https://adb-123.4.azuredatabricks.net';
const EMULATOR = 'http://127.0.0.1:40123';

describe('signedUrlProblem', () => {
  it('allows https URLs of public storage', () => {
    assert.equal(signedUrlProblem('https://acct.blob.core.windows.net/c/x?sig=1', WORKSPACE), undefined);
    assert.equal(signedUrlProblem('https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1', WORKSPACE), undefined);
    assert.equal(signedUrlProblem('https://52.95.110.1/k', WORKSPACE), undefined);
  });

  it('refuses plain http, other schemes and URLs with a user name', () => {
    assert.match(signedUrlProblem('http://bucket.s3.amazonaws.com/k', WORKSPACE)!, /http, not https/);
    assert.match(signedUrlProblem('file:///etc/passwd', WORKSPACE)!, /file, not https/);
    assert.match(signedUrlProblem('https://user:pw@storage.example.com/k', WORKSPACE)!, /user name or password/);
    assert.match(signedUrlProblem('not a url', WORKSPACE)!, /not a URL/);
  });

  it('refuses internal addresses from a real workspace, whatever their spelling', () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1/x',
      'https://2130706433/x', // 127.0.0.1 as one number
      'https://0x7f000001/x',
      'https://localhost/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.1/x',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:127.0.0.1]/x',
    ]) {
      assert.match(signedUrlProblem(url, WORKSPACE) ?? 'allowed', /private network/, url);
    }
  });

  it('lets a loopback workspace (the emulator) hand out loopback URLs, http included, and nothing else internal', () => {
    assert.equal(signedUrlProblem('http://127.0.0.1:40123/emulated-storage/x?sig=1', EMULATOR), undefined);
    assert.equal(signedUrlProblem('http://localhost:40123/x', EMULATOR), undefined);
    assert.match(signedUrlProblem('http://10.0.0.5/x', EMULATOR)!, /not https/);
    assert.match(signedUrlProblem('https://169.254.169.254/x', EMULATOR)!, /private network/);
    assert.match(signedUrlProblem('http://127.0.0.1:40123/x', WORKSPACE)!, /not https/);
  });
});

describe('checkSignedUrl', () => {
  it('refuses a public-looking name that resolves to an internal address', async () => {
    const resolve = async (host: string) => (host === 'metadata.attacker.example' ? ['203.0.113.9', '169.254.169.254'] : ['52.95.110.1']);
    await assert.rejects(checkSignedUrl('https://metadata.attacker.example/x?sig=SECRET', WORKSPACE, resolve), (err: unknown) => {
      assert.ok(err instanceof SignedUrlRefusedError);
      assert.match(err.message, /resolves to 169\.254\.169\.254/);
      assert.doesNotMatch(err.message, /SECRET/);
      return true;
    });
    await checkSignedUrl('https://bucket.s3.amazonaws.com/x', WORKSPACE, resolve);
  });

  it('classifies addresses', () => {
    assert.equal(isInternalAddress('8.8.8.8'), false);
    assert.equal(isInternalAddress('2606:4700::1111'), false);
    assert.equal(isInternalAddress('169.254.169.254'), true);
    assert.equal(isInternalAddress('[::1]'), true);
    assert.equal(isInternalAddress('not-an-ip'), false);
  });
});
