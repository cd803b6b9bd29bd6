// The run details loader and "previous run" against a real `mlflow server`.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { previousRun } from '../../src/engine/compare/runSelection';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { loadRunDetails, RunNotFoundError, SPARKLINE_POINTS } from '../../src/engine/runDetails/runDetails';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

describe('run details: loadRunDetails against a real server', () => {
  let client: MlflowRestClient;
  let url: string;
  let experimentId: string;
  let experimentName: string;
  let runId: string;
  let modelName: string;
  const t0 = Date.UTC(2025, 0, 1);

  before(async () => {
    ({ url } = await useMlflowServer());
    client = new MlflowRestClient({ baseUrl: url, timeoutMs: 60_000 });
    experimentName = uniqueName('run-details');
    experimentId = await client.createExperiment(experimentName);
    const run = await client.createRun(experimentId, 'detailed', {
      startTime: t0,
      tags: [
        { key: 'mlflow.source.git.repoURL', value: 'git@github.com:acme/churn.git' },
        { key: 'mlflow.source.git.commit', value: SHA },
        { key: 'mlflow.source.name', value: 'file:///work/churn' },
        { key: 'mlflow.source.type', value: 'PROJECT' },
        { key: 'mlflow.project.entryPoint', value: 'train' },
        { key: 'mlflow.user', value: 'jane' },
        { key: 'team', value: 'risk' },
      ],
    });
    runId = run.run_id;
    const metrics = [];
    for (let step = 0; step < 3000; step++) {
      const spike = step === 1777 ? 40 : 0;
      metrics.push({ key: 'loss', value: 2 * Math.exp(-step / 500) + 0.1 + spike, timestamp: t0 + step * 10, step });
    }
    metrics.push({ key: 'accuracy', value: 0.91, timestamp: t0 + 5, step: 0 });
    for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(runId, { metrics: metrics.slice(i, i + 1000) });
    await client.logBatch(runId, {
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'alpha', value: '0.5' },
      ],
    });
    await client.uploadArtifact(runId, 'model/MLmodel', 'artifact_path: model\n');
    await client.uploadArtifact(runId, 'report.txt', 'ok\n');
    await client.updateRun(runId, 'FINISHED', { endTime: t0 + 90_000 });
    modelName = uniqueName('run-details-model');
    await client.createRegisteredModel(modelName);
    await client.createModelVersion(modelName, `runs:/${runId}/model`, runId);
    await client.createModelVersion(modelName, `runs:/${runId}/model`, runId);
    await client.transitionModelVersionStage(modelName, '1', 'Staging', false);
    await client.setRegisteredModelAlias(modelName, 'champion', '2');
  });

  it('gathers overview, params, metrics with history, split tags, artifacts and model versions', async () => {
    const details = await loadRunDetails(client, runId);
    assert.deepEqual(details.problems, []);
    const o = details.overview;
    assert.equal(o.runId, runId);
    assert.equal(o.runName, 'detailed');
    assert.equal(o.status, 'FINISHED');
    assert.equal(o.experimentId, experimentId);
    assert.equal(o.experimentName, experimentName);
    assert.equal(o.startTime, t0);
    assert.equal(o.endTime, t0 + 90_000);
    assert.equal(o.durationMs, 90_000);
    assert.equal(o.sourceType, 'PROJECT');
    assert.equal(o.sourceName, 'file:///work/churn');
    assert.equal(o.entryPoint, 'train');
    assert.ok(o.user, 'a user');
    assert.equal(o.gitCommit, SHA);
    assert.equal(o.gitHost, 'github');
    assert.equal(o.gitRepoUrl, 'https://github.com/acme/churn');
    assert.equal(o.gitCommitUrl, `https://github.com/acme/churn/commit/${SHA}`);

    assert.deepEqual(details.params, [
      { key: 'alpha', value: '0.5' },
      { key: 'lr', value: '0.01' },
    ]);
    assert.deepEqual(details.tags, [{ key: 'team', value: 'risk' }]);
    assert.ok(details.systemTags.every((t) => t.key.startsWith('mlflow.')));
    assert.ok(details.systemTags.some((t) => t.key === 'mlflow.source.git.commit'));

    assert.deepEqual(
      details.metrics.map((m) => m.key),
      ['accuracy', 'loss'],
    );
    const [accuracy, loss] = details.metrics;
    assert.equal(accuracy.latest, 0.91);
    assert.equal(accuracy.min, 0.91);
    assert.deepEqual(accuracy.history, [[0, t0 + 5, 0.91]]);
    const lastLoss = 2 * Math.exp(-2999 / 500) + 0.1;
    assert.ok(Math.abs(loss.latest! - lastLoss) < 1e-9, `latest ${loss.latest}`);
    assert.equal(loss.step, 2999);
    // 3000 steps: the server samples (2500 at most), yet the spike and the ends survive into the sparkline.
    assert.ok(loss.history.length <= SPARKLINE_POINTS && loss.history.length >= SPARKLINE_POINTS / 2, `${loss.history.length} points`);
    assert.equal(loss.history[0][0], 0);
    assert.equal(loss.history.at(-1)![0], 2999);
    assert.ok(
      loss.history.some((p) => p[0] === 1777),
      'the spike is drawn',
    );
    assert.ok(Math.abs(loss.max! - (2 * Math.exp(-1777 / 500) + 40.1)) < 1e-9, `max ${loss.max}`);
    assert.ok(Math.abs(loss.min! - lastLoss) < 1e-9, `min ${loss.min}`);
    for (let i = 1; i < loss.history.length; i++) assert.ok(loss.history[i][0] > loss.history[i - 1][0]);

    assert.deepEqual(
      details.artifacts.map((a) => [a.path, a.is_dir]),
      [
        ['model', true],
        ['report.txt', false],
      ],
    );
    assert.deepEqual(
      details.modelVersions.map((v) => [v.name, v.version, v.stage, v.aliases]),
      [
        [modelName, '1', 'Staging', []],
        [modelName, '2', 'None', ['champion']],
      ],
    );
  });

  it('an unknown run id is a RunNotFoundError; a running run has a duration up to now', async () => {
    await assert.rejects(
      loadRunDetails(client, '0123456789abcdef0123456789abcdef'),
      (err: unknown) => err instanceof RunNotFoundError && /was not found/.test(err.message),
    );
    const running = await client.createRun(experimentId, 'still-going', { startTime: Date.now() - 5000 });
    const details = await loadRunDetails(client, running.run_id, { now: Date.now() });
    assert.equal(details.overview.status, 'RUNNING');
    assert.equal(details.overview.endTime, undefined);
    assert.ok(details.overview.durationMs! >= 5000, `${details.overview.durationMs}`);
    assert.deepEqual(details.metrics, []);
    assert.deepEqual(details.modelVersions, []);
    assert.equal(details.overview.gitCommitUrl, undefined);
    await client.updateRun(running.run_id, 'KILLED');
  });

  it('an unreachable server is an error of the whole load', async () => {
    const dead = new MlflowRestClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }, { maxRetries: 0 });
    await assert.rejects(loadRunDetails(dead, runId), /Cannot reach the MLflow tracking server/);
  });

  it('previousRun: the run that started just before, at the same level; none for the first', async () => {
    const name = uniqueName('previous-run');
    const expId = await client.createExperiment(name);
    const base = Date.UTC(2025, 5, 1);
    const make = async (runName: string, offset: number, parentRunId?: string) => {
      const info = await client.createRun(expId, runName, { startTime: base + offset, parentRunId });
      return client.getRun(info.run_id);
    };
    const first = await make('first', 0);
    const sweep = await make('sweep', 1000);
    const fold1 = await make('fold-1', 1100, sweep.info.run_id);
    const fold2 = await make('fold-2', 1200, sweep.info.run_id);
    const last = await make('last', 2000);
    const deleted = await make('deleted', 1500);
    await client.deleteRun(deleted.info.run_id);

    assert.equal(await previousRun(client, first), undefined);
    assert.equal((await previousRun(client, sweep))?.info.run_name, 'first');
    // Top level: the sweep's children and the deleted run are skipped.
    assert.equal((await previousRun(client, last))?.info.run_name, 'sweep');
    assert.equal((await previousRun(client, fold2))?.info.run_name, 'fold-1');
    assert.equal(await previousRun(client, fold1), undefined);
    // Paging: with one run per page the answer is the same.
    assert.equal((await previousRun(client, last, { pageSize: 1 }))?.info.run_name, 'sweep');
  });
});
