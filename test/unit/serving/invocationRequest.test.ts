import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInvocationBody, InvocationInputError } from '../../../src/engine/serving/invocationRequest';
import { modelServeArgs } from '../../../src/engine/serving/localModelServer';
import { resolveModelLocation } from '../../../src/engine/serving/modelArtifacts';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';

function rejects(input: unknown, message: RegExp, format?: 'json' | 'csv'): void {
  assert.throws(() => buildInvocationBody(input, format), (err: unknown) => {
    assert.ok(err instanceof InvocationInputError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('buildInvocationBody', () => {
  it('accepts each of the shapes MLflow reads, as objects and as JSON text', () => {
    const shapes = [
      { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4]] } },
      { dataframe_split: { columns: ['a'], index: [7], data: [[1]] } },
      { dataframe_records: [{ a: 1, b: 2 }, { a: 3, b: 4 }] },
      { instances: [[1, 2], [3, 4]] },
      { instances: { a: [1, 2] } },
      { inputs: [[1, 2]] },
      { inputs: { x: [1] }, params: { temperature: 0.5 } },
    ];
    for (const shape of shapes) {
      assert.deepEqual(buildInvocationBody(shape), { contentType: 'application/json', body: JSON.stringify(shape) });
      const fromText = buildInvocationBody(JSON.stringify(shape, null, 2));
      assert.equal(fromText.contentType, 'application/json');
      assert.deepEqual(JSON.parse(fromText.body), shape);
    }
  });

  it('sends CSV text as text/csv, by detection or when asked', () => {
    assert.deepEqual(buildInvocationBody('a,b\n1,2\n3,4'), { contentType: 'text/csv', body: 'a,b\n1,2\n3,4\n' });
    assert.equal(buildInvocationBody('"x,y",b\r\n"1,5",2\r\n', 'csv').contentType, 'text/csv');
  });

  it('explains bad CSV', () => {
    rejects('', /CSV input is empty/);
    rejects('a,b\n', /only a header row/);
    rejects('a,b\n1,2\n3\n', /CSV line 3 has 1 field but the header has 2/);
  });

  it('explains bad JSON shapes, naming the key and what to use', () => {
    rejects('{"inputs": [1,', /not valid JSON/, 'json');
    rejects([[1, 2]], /JSON array.*\{"inputs": \[\.\.\.\]\}/);
    rejects(42, /must be a JSON object, not the number 42/);
    rejects({}, /names no shape/);
    rejects({ columns: ['a'], data: [[1]] }, /Unknown keys 'columns', 'data'.*MLflow 1\.x.*dataframe_split/);
    rejects({ inputs: [1], instances: [1] }, /has inputs and instances; give exactly one/);
    rejects({ inputs: null }, /"inputs" is null/);
    rejects({ inputs: [1], params: [1] }, /"params" must be an object/);
    rejects({ dataframe_split: [[1]] }, /"dataframe_split" must be an object/);
    rejects({ dataframe_split: { columns: ['a'], rows: [[1]] } }, /unknown key 'rows'/);
    rejects({ dataframe_split: { columns: ['a'], data: [] } }, /"dataframe_split.data" must be a non-empty array/);
    rejects({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } }, /row 1 has 1 value but there are 2 columns/);
    rejects({ dataframe_split: { data: [[1]], index: [1, 2] } }, /index" must be an array with one entry per row \(1\)/);
    rejects({ dataframe_records: { a: 1 } }, /"dataframe_records" must be a non-empty array of row objects/);
    rejects({ dataframe_records: [{ a: 1 }, [2]] }, /row 1 must be an object/);
    rejects({ instances: [] }, /"instances" must be a non-empty array/);
  });
});

describe('modelServeArgs', () => {
  it('passes the model URI as one argument, never through a shell', () => {
    const uri = 'runs:/abc/my model; rm -rf $(pwd)';
    assert.deepEqual(modelServeArgs(uri, 5001, 'local'), ['-m', 'mlflow', 'models', 'serve', '-m', uri, '--port', '5001', '--host', '127.0.0.1', '--env-manager', 'local']);
  });
});

describe('resolveModelLocation (URIs needing no server)', () => {
  const client = new MlflowRestClient({ baseUrl: 'http://127.0.0.1:9' }, { maxRetries: 0 });
  it('reads runs:/, models:/<model id>, mlflow-artifacts:/ and local folders', async () => {
    assert.deepEqual(await resolveModelLocation(client, 'runs:/r1/model/'), { kind: 'run', runId: 'r1', path: 'model' });
    assert.deepEqual(await resolveModelLocation(client, 'models:/m-0123abc'), { kind: 'logged-model', modelId: 'm-0123abc' });
    assert.deepEqual(await resolveModelLocation(client, 'mlflow-artifacts:/1/models/m-1/artifacts'), { kind: 'proxied', path: '1/models/m-1/artifacts' });
    assert.deepEqual(await resolveModelLocation(client, '/tmp/model'), { kind: 'local', dir: '/tmp/model' });
    assert.deepEqual(await resolveModelLocation(client, 'dbfs:/databricks/mlflow-tracking/12/r9/artifacts/model'), { kind: 'run', runId: 'r9', path: 'model' });
    assert.deepEqual(await resolveModelLocation(client, 'dbfs:/databricks/mlflow-tracking/12/logged_models/m-7/artifacts'), { kind: 'logged-model', modelId: 'm-7' });
    await assert.rejects(resolveModelLocation(client, 's3://bucket/model'), /not supported here.*models:\/<name>\/<version>/);
  });
});
