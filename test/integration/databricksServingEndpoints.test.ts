// Databricks Model Serving endpoints: the engine against the workspace emulator, which really serves
// a registered scikit-learn model with `mlflow models serve` from the real MLflow server.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  describeServedEntity,
  endpointStateText,
  getServingEndpoint,
  listServingEndpoints,
  queryServingEndpoint,
  servedEntitiesOf,
  waitForServingEndpoint,
  type ServingEndpoint,
} from '../../src/engine/databricks/servingEndpoints';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { buildInvocationBody } from '../../src/engine/serving/invocationRequest';
import { useEmulatedWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';
import { assertPredictionsClose, logDiabetesModel, type LoggedDiabetesModel } from '../support/loggedModel';

const TOKEN = 'dapi-serving-test-token-0001';

describe('Databricks serving endpoints (emulator + real MLflow + mlflow models serve)', { timeout: 300_000 }, () => {
  const dbx = useEmulatedWorkspace({ tokens: [TOKEN] });
  let workspace: MlflowRestClient;
  let logged: LoggedDiabetesModel;
  let model: string;
  let endpointName: string;

  before(async () => {
    const mlflowUrl = dbx.mlflowUrl;
    workspace = new MlflowRestClient({ baseUrl: dbx.emulator.url, token: TOKEN }, { maxRetries: 0 });
    // Logged through the workspace, as a notebook on Databricks would (MLFLOW_TRACKING_URI=databricks).
    logged = await logDiabetesModel(mlflowUrl, uniqueName('dbx-serving'));
    model = uniqueName('dbx-served-model');
    await workspace.createRegisteredModel(model);
    await workspace.createModelVersion(model, `models:/${logged.model_id}`, logged.run_id, { modelId: logged.model_id });
    endpointName = uniqueName('churn-endpoint')
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 60);
  });

  it('creating an endpoint starts NOT_READY with the served model pending, then becomes READY', async () => {
    const created = await workspace.requestJson<ServingEndpoint>('POST', 'api/2.0/serving-endpoints', {
      json: {
        name: endpointName,
        config: { served_entities: [{ entity_name: model, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true }] },
      },
    });
    assert.equal(created.state?.ready, 'NOT_READY');
    assert.equal(created.state?.config_update, 'IN_PROGRESS');
    assert.deepEqual(servedEntitiesOf(created).map(describeServedEntity), [`${model} v1`]);
    assert.equal(servedEntitiesOf(created)[0]!.state?.deployment, 'DEPLOYMENT_CREATING');

    const states: string[] = [];
    const ready = await waitForServingEndpoint(workspace, endpointName, {
      timeoutMs: 200_000,
      pollIntervalMs: 500,
      onState: (e) => states.push(endpointStateText(e)),
    });
    assert.equal(ready.state?.ready, 'READY');
    assert.equal(endpointStateText(ready), 'READY');
    assert.equal(states[0], 'NOT_READY (updating)');
    assert.equal(servedEntitiesOf(ready)[0]!.state?.deployment, 'DEPLOYMENT_READY');
    assert.ok(ready.config, 'the active config is set once deployed');
  });

  it('lists and gets the endpoint with its served entities and state', async () => {
    const endpoints = await listServingEndpoints(workspace);
    const mine = endpoints.find((e) => e.name === endpointName);
    assert.ok(mine, JSON.stringify(endpoints));
    assert.deepEqual(mine.state, { ready: 'READY', config_update: 'NOT_UPDATING' });
    assert.deepEqual(
      servedEntitiesOf(mine).map((e) => [e.entity_name, e.entity_version]),
      [[model, '1']],
    );
    assert.equal(mine.creator, 'emulated.user@example.com');
    const detailed = await getServingEndpoint(workspace, endpointName);
    assert.equal(detailed.name, endpointName);
    assert.equal(servedEntitiesOf(detailed)[0]!.workload_size, 'Small');
  });

  it('answers a dataframe_split, dataframe_records and CSV query with the model’s predictions', async () => {
    const split = await queryServingEndpoint(workspace, endpointName, buildInvocationBody({ dataframe_split: { columns: logged.columns, data: logged.rows } }));
    assert.equal(split.status, 200, JSON.stringify(split.body));
    assert.ok(split.latencyMs > 0);
    assertPredictionsClose(split.body, logged.expected_rows);

    const records = logged.rows.map((row) => Object.fromEntries(logged.columns.map((c, i) => [c, row[i]])));
    const fromRecords = await queryServingEndpoint(workspace, endpointName, buildInvocationBody({ dataframe_records: records }));
    assertPredictionsClose(fromRecords.body, logged.expected_rows);

    const csv = [logged.columns.join(','), ...logged.rows.map((r) => r.join(','))].join('\n');
    const fromCsv = await queryServingEndpoint(workspace, endpointName, buildInvocationBody(csv, 'csv'));
    assertPredictionsClose(fromCsv.body, logged.expected_rows);
  });

  it('a body the model refuses comes back as its status and message, not as a thrown error', async () => {
    const wrong = await queryServingEndpoint(workspace, endpointName, buildInvocationBody({ dataframe_records: [{ nope: 1 }] }));
    assert.equal(wrong.status, 400);
    assert.match(JSON.stringify(wrong.body), /BAD_REQUEST|INVALID_PARAMETER_VALUE|nope|missing/i);
  });

  it('an unknown endpoint is RESOURCE_DOES_NOT_EXIST with how to find the right name', async () => {
    const missing = uniqueName('no-such-endpoint');
    for (const call of [() => getServingEndpoint(workspace, missing), () => queryServingEndpoint(workspace, missing, buildInvocationBody({ inputs: [[1]] }))]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof MlflowApiError, String(err));
        assert.equal(err.errorCode, 'RESOURCE_DOES_NOT_EXIST');
        assert.equal(err.httpStatus, 404);
        assert.match(
          err.message,
          new RegExp(
            `Serving endpoint '${missing}' does not exist in the workspace http://127\\.0\\.0\\.1:\\d+\\. Check the name \\(\`mlflow-wb endpoints list\``,
          ),
        );
        return true;
      });
    }
  });

  it('an endpoint for a version that does not exist is refused at creation', async () => {
    await assert.rejects(
      workspace.requestJson('POST', 'api/2.0/serving-endpoints', {
        json: { name: uniqueName('bad').slice(0, 60), config: { served_entities: [{ entity_name: model, entity_version: '42' }] } },
      }),
      (err: unknown) => err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST' && /Model version 42 of/.test(err.message),
    );
  });

  it('deleting the endpoint stops its model server', async () => {
    const serverUrl = dbx.emulator.modelServerUrl(endpointName);
    assert.ok(serverUrl);
    assert.equal((await fetch(`${serverUrl}/ping`)).status, 200);
    await workspace.requestJson('DELETE', `api/2.0/serving-endpoints/${endpointName}`);
    assert.equal(
      (await listServingEndpoints(workspace)).some((e) => e.name === endpointName),
      false,
    );
    await assert.rejects(getServingEndpoint(workspace, endpointName), /does not exist/);
    await assert.rejects(fetch(`${serverUrl}/ping`), /fetch failed/);
  });
});
