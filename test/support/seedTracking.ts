import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName } from './mlflowServer';

export interface SeededTracking {
  experimentName: string;
  experimentId: string;
  parentRunId: string;
  childRunId: string;
  failedRunId: string;
  modelName: string;
}

/**
 * Seeds a real tracking server through its REST API: an experiment with a finished parent run
 * (params, a metric history), a nested child run, a failed run, an artifact, and a registered model
 * with two versions, one in Staging and one with the alias "champion".
 */
export async function seedTracking(url: string, prefix = 'explorer'): Promise<SeededTracking> {
  const client = new MlflowRestClient({ baseUrl: url });
  const experimentName = uniqueName(prefix);
  const experimentId = await client.createExperiment(experimentName);
  const now = Date.now();
  const parent = await client.createRun(experimentId, 'train-parent');
  await client.logBatch(parent.run_id, {
    params: [
      { key: 'alpha', value: '0.5' },
      { key: 'l1_ratio', value: '0.1' },
    ],
    metrics: Array.from({ length: 5 }, (_, step) => ({ key: 'rmse', value: 1 / (step + 1), timestamp: now + step, step })),
  });
  await client.uploadArtifact(parent.run_id, 'notes/summary.txt', 'the best run so far\n');
  const child = await client.createRun(experimentId, 'cv-fold-1', { parentRunId: parent.run_id });
  await client.logBatch(child.run_id, { metrics: [{ key: 'rmse', value: 0.3, timestamp: now, step: 0 }] });
  await client.updateRun(child.run_id, 'FINISHED');
  await client.updateRun(parent.run_id, 'FINISHED');
  const failed = await client.createRun(experimentId, 'broken-run');
  await client.updateRun(failed.run_id, 'FAILED');

  const modelName = uniqueName(`${prefix}-model`);
  await client.createRegisteredModel(modelName, 'Seeded by the tests');
  await client.createModelVersion(modelName, `runs:/${parent.run_id}/model`, parent.run_id);
  await client.createModelVersion(modelName, `runs:/${child.run_id}/model`, child.run_id);
  await client.transitionModelVersionStage(modelName, '1', 'Staging', false);
  await client.setRegisteredModelAlias(modelName, 'champion', '2');
  return { experimentName, experimentId, parentRunId: parent.run_id, childRunId: child.run_id, failedRunId: failed.run_id, modelName };
}

/**
 * Seeds an experiment for the compare panel: three finished top-level runs that differ in `lr`
 * (same `model`) with 300 steps of `loss` and `acc`, a parent "sweep" with two child runs, and a
 * run left RUNNING (the panel must poll it until it ends).
 */
export async function seedCompareRuns(url: string, prefix: string): Promise<{ experimentName: string; liveRunId: string }> {
  const client = new MlflowRestClient({ baseUrl: url });
  const experimentName = uniqueName(prefix);
  const experimentId = await client.createExperiment(experimentName);
  const t0 = Date.now() - 60_000;
  const logRun = async (name: string, lr: string, opts: { parentRunId?: string; finish?: boolean } = {}) => {
    const run = await client.createRun(experimentId, name, { parentRunId: opts.parentRunId });
    const scale = Number(lr) * 10;
    const metrics = Array.from({ length: 300 }, (_, step) => [
      { key: 'loss', value: scale * Math.exp(-step / 80) + 0.05, timestamp: t0 + step * 100, step },
      { key: 'acc', value: 1 - Math.exp(-step / 60) / (1 + scale), timestamp: t0 + step * 100, step },
    ]).flat();
    await client.logBatch(run.run_id, {
      params: [
        { key: 'lr', value: lr },
        { key: 'model', value: 'mlp' },
      ],
    });
    for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(run.run_id, { metrics: metrics.slice(i, i + 1000) });
    if (opts.finish !== false) await client.updateRun(run.run_id, 'FINISHED');
    return run.run_id;
  };
  const sweep = await logRun('sweep', '0.3');
  await logRun('fold-1', '0.01', { parentRunId: sweep });
  await logRun('fold-2', '0.02', { parentRunId: sweep });
  for (const [name, lr] of [
    ['trial-a', '0.1'],
    ['trial-b', '0.05'],
    ['trial-c', '0.2'],
  ])
    await logRun(name, lr);
  const liveRunId = await logRun('live-run', '0.07', { finish: false });
  return { experimentName, liveRunId };
}
