import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowApiError } from '../../../src/engine/mlflow/mlflowErrors';
import { registerModelVersion } from '../../../src/engine/mlflow/modelRegistration';
import type { MlflowModelVersion } from '../../../src/engine/mlflow/mlflowTypes';

/** A registry that knows `existing` models and records the calls made to it. */
function registry(existing: string[], failCreate?: Error) {
  const calls: string[] = [];
  return {
    calls,
    async createRegisteredModel(name: string, description?: string) {
      calls.push(`create model ${name}${description ? ` (${description})` : ''}`);
      if (failCreate) throw failCreate;
      if (existing.includes(name))
        throw new MlflowApiError(`Registered Model (name=${name}) already exists.`, 'RESOURCE_ALREADY_EXISTS', 400, 'registered-models/create');
      return { name };
    },
    async createModelVersion(name: string, source: string, runId?: string, o: { modelId?: string; description?: string } = {}) {
      calls.push(`create version of ${name} from ${source} run=${runId ?? '-'} model=${o.modelId ?? '-'} description=${o.description ?? '-'}`);
      return { name, version: '3', source } as MlflowModelVersion;
    },
  };
}

describe('registerModelVersion (CLI models register and the Register Model… command)', () => {
  it('creates a missing registered model, then the version', async () => {
    const r = registry([]);
    const { version, createdModel } = await registerModelVersion(
      r,
      'churn',
      { source: 'models:/m-1', runId: 'r1', modelId: 'm-1' },
      { description: 'v', modelDescription: 'the churn model' },
    );
    assert.equal(createdModel, true);
    assert.equal(version.version, '3');
    assert.deepEqual(r.calls, ['create model churn (the churn model)', 'create version of churn from models:/m-1 run=r1 model=m-1 description=v']);
  });

  it('adds a version to an existing registered model', async () => {
    const r = registry(['churn']);
    const { createdModel } = await registerModelVersion(r, 'churn', { source: 'runs:/r1/model', runId: 'r1' });
    assert.equal(createdModel, false);
    assert.equal(r.calls.length, 2);
  });

  it('stops at any other failure to create the registered model', async () => {
    const denied = new MlflowApiError('Permission denied', 'PERMISSION_DENIED', 403, 'registered-models/create');
    const r = registry([], denied);
    await assert.rejects(registerModelVersion(r, 'churn', { source: 'runs:/r1/model' }), denied);
    assert.deepEqual(r.calls, ['create model churn']);
  });
});
