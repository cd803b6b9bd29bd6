import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  endpointRequestKey,
  formatInvocationResponse,
  isSampleRequestFile,
  listSampleRequests,
  modelRequestKey,
  requestKeyOfFile,
  requestsFolder,
  saveSampleRequest,
} from '../../../src/engine/serving/sampleRequests';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sample-requests-'));

describe('sample requests kept per model in the workspace', () => {
  it('gives every version, stage and alias of a registered model one folder', () => {
    assert.equal(modelRequestKey('models:/diabetes/3'), 'diabetes');
    assert.equal(modelRequestKey('models:/diabetes@champion'), 'diabetes');
    assert.equal(modelRequestKey('models:/diabetes/Production'), 'diabetes');
    assert.equal(modelRequestKey('models:/main.ml.churn/2'), 'main.ml.churn');
    assert.equal(modelRequestKey('models:/m-0123abcd'), 'm-0123abcd');
    assert.equal(modelRequestKey('runs:/abc123/model'), 'run-abc123-model');
    assert.equal(modelRequestKey('runs:/abc123/'), 'run-abc123');
    assert.equal(endpointRequestKey('churn endpoint'), 'endpoint-churn_endpoint');
  });

  it('never makes a key that climbs out of the requests folder', () => {
    for (const uri of ['models:/../../etc/1', 'runs:/../x', '../..', 'models:/.hidden@a']) {
      const key = modelRequestKey(uri);
      assert.ok(!key.includes('/') && !key.startsWith('.'), `${uri} → ${key}`);
    }
  });

  it('saves without overwriting and lists newest first', async () => {
    const root = tmp();
    const folder = requestsFolder(root, 'diabetes');
    assert.deepEqual(await listSampleRequests(folder), []);
    const first = await saveSampleRequest(folder, 'request', { contentType: 'application/json', body: '{"inputs":[1]}' });
    const second = await saveSampleRequest(folder, 'request', { contentType: 'application/json', body: '{"inputs":[2]}' });
    const csv = await saveSampleRequest(folder, 'rows.csv', { contentType: 'text/csv', body: 'a,b\n1,2\n' });
    assert.equal(path.basename(first), 'request.json');
    assert.equal(path.basename(second), 'request-2.json');
    assert.equal(path.basename(csv), 'rows.csv');
    assert.equal(fs.readFileSync(first, 'utf8'), '{\n  "inputs": [\n    1\n  ]\n}\n');
    assert.deepEqual(JSON.parse(fs.readFileSync(second, 'utf8')), { inputs: [2] });
    const now = Date.now() / 1000;
    fs.utimesSync(first, now - 100, now - 100);
    fs.utimesSync(second, now - 50, now - 50);
    assert.deepEqual(
      (await listSampleRequests(folder)).map((r) => r.name),
      ['rows.csv', 'request-2.json', 'request.json'],
    );
  });

  it('recognises the request files of the workspace and their model', () => {
    const root = tmp();
    const file = path.join(requestsFolder(root, 'diabetes'), 'request.json');
    assert.equal(isSampleRequestFile(root, file), true);
    assert.equal(requestKeyOfFile(file), 'diabetes');
    assert.equal(isSampleRequestFile(root, path.join(root, 'request.json')), false);
    assert.equal(isSampleRequestFile(root, path.join(requestsFolder(root, 'diabetes'), 'notes.txt')), false);
    assert.equal(isSampleRequestFile(root, path.join(requestsFolder(root, 'diabetes'), 'deep', 'r.json')), false);
  });

  it('formats a response with status, latency and the answer', () => {
    const text = formatInvocationResponse({
      target: 'diabetes v1 at http://127.0.0.1:5001',
      request: 'request.json',
      result: { status: 200, latencyMs: 12.345, body: { predictions: [1.5] } },
      at: new Date('2026-01-02T03:04:05Z'),
    });
    assert.deepEqual(JSON.parse(text), {
      target: 'diabetes v1 at http://127.0.0.1:5001',
      request: 'request.json',
      status: 200,
      ok: true,
      latencyMs: 12.3,
      at: '2026-01-02T03:04:05.000Z',
      response: { predictions: [1.5] },
    });
    assert.equal(JSON.parse(formatInvocationResponse({ target: 't', request: 'r', result: { status: 400, latencyMs: 1, body: 'bad' } })).ok, false);
  });
});
