import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

/**
 * Seeds an experiment for the compare panel: three finished top-level runs that differ in `lr`
 * (same `model`) with 300 steps of `loss` and `acc`, a parent "sweep" with two child runs, and a
 * run left RUNNING (the panel must poll it until it ends).
 */
async function seedCompareRuns(url: string, prefix: string): Promise<{ experimentName: string; liveRunId: string }> {
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
    await client.logBatch(run.run_id, { params: [{ key: 'lr', value: lr }, { key: 'model', value: 'mlp' }] });
    for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(run.run_id, { metrics: metrics.slice(i, i + 1000) });
    if (opts.finish !== false) await client.updateRun(run.run_id, 'FINISHED');
    return run.run_id;
  };
  const sweep = await logRun('sweep', '0.3');
  await logRun('fold-1', '0.01', { parentRunId: sweep });
  await logRun('fold-2', '0.02', { parentRunId: sweep });
  for (const [name, lr] of [['trial-a', '0.1'], ['trial-b', '0.05'], ['trial-c', '0.2']]) await logRun(name, lr);
  const liveRunId = await logRun('live-run', '0.07', { finish: false });
  return { experimentName, liveRunId };
}

describe('compare panel in the real extension host', () => {
  it('opens from the Runs tree, validates messages, loads histories, flips directions, polls running runs (compare.host)', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'host-compare');
    const log = await runHostSuite('compare.host.js', {
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url },
      env: { MLFLOW_WB_COMPARE_EXPERIMENT: seeded.experimentName, MLFLOW_WB_COMPARE_LIVE_RUN: seeded.liveRunId },
    });
    assert.match(log, /5 passing/);
  });
});
