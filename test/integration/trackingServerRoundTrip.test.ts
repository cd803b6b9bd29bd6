import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

describe('real MLflow tracking server round trip', () => {
  let client: MlflowRestClient;
  before(async () => {
    const { url } = await useMlflowServer();
    client = new MlflowRestClient({ baseUrl: url });
  });

  it('creates a run, logs params and metrics, and reads them back', async () => {
    const experimentId = await client.createExperiment(uniqueName('roundtrip'));
    const created = await client.createRun(experimentId, 'first-run');
    await client.logBatch(created.run_id, {
      params: [{ key: 'alpha', value: '0.5' }],
      metrics: [{ key: 'rmse', value: 0.25, timestamp: Date.now(), step: 0 }],
    });
    await client.updateRun(created.run_id, 'FINISHED');
    const run = await client.getRun(created.run_id);
    assert.equal(run.info.run_name, 'first-run');
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(run.data.params, [{ key: 'alpha', value: '0.5' }]);
    assert.equal(run.data.metrics?.[0]?.value, 0.25);
  });

  it("maps MLflow's error body to error_code and a short message", async () => {
    await assert.rejects(client.getRun('0123456789abcdef0123456789abcdef'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(err.httpStatus, 404);
      assert.match(err.message, /not found/);
      return true;
    });
  });

  it('says the server is unreachable, with its address, when nothing listens', async () => {
    const down = new MlflowRestClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await assert.rejects(down.getRun('x'), /Cannot reach the MLflow tracking server at http:\/\/127\.0\.0\.1:9/);
  });
});
