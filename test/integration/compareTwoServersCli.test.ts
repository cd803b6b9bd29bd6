// `mlflow-wb runs diff` over runs of two tracking servers: a run of the real MLflow server beside its
// Databricks twin (the workspace emulator), each read from its own server and labelled by it.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useEmulatedWorkspace } from '../support/emulatedWorkspace';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName } from '../support/mlflowServer';

const TOKEN = 'dapi-cli-compare-0001';

async function logRun(client: MlflowRestClient, experimentId: string, name: string, lr: string, spike: number): Promise<string> {
  const run = await client.createRun(experimentId, name);
  const t0 = Date.now() - 60_000;
  const metrics = Array.from({ length: 3000 }, (_, step) => ({ key: 'loss', value: step === 1717 ? spike : 1 / (1 + step), timestamp: t0 + step, step }));
  for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(run.run_id, { metrics: metrics.slice(i, i + 1000) });
  await client.logBatch(run.run_id, { params: [{ key: 'lr', value: lr }] });
  await client.updateRun(run.run_id, 'FINISHED');
  return run.run_id;
}

describe('compare: runs of two tracking servers (CLI)', () => {
  const dbx = useEmulatedWorkspace({ tokens: [TOKEN] });
  let localId: string;
  let twinId: string;

  before(async () => {
    const local = new MlflowRestClient({ baseUrl: dbx.mlflowUrl });
    localId = await logRun(local, await local.createExperiment(uniqueName('cli-cmp2-local')), 'train-local', '0.1', 40);
    const workspace = new MlflowRestClient({ baseUrl: dbx.emulator.url, token: TOKEN });
    twinId = await logRun(workspace, await workspace.createExperiment(uniqueName('/Users/cli-cmp2/twin')), 'train-dbx', '0.2', 60);
  });

  it('runs diff --run-at databricks=RUN_ID: the twin read from the workspace, labelled by server, exact max from its history', async () => {
    const env = { DATABRICKS_HOST: dbx.emulator.url, DATABRICKS_TOKEN: TOKEN };
    const historiesBefore = dbx.emulator.requests.filter((r) => /metrics\/get-history/.test(r.path)).length;
    const text = await runBuiltCli(['runs', 'diff', '--tracking-uri', dbx.mlflowUrl, '--baseline', localId, '--run-at', `databricks=${twinId}`], env);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split(/\r?\n/);
    assert.match(lines[0], /^KIND\s+KEY\s+train-local \(MLflow 127\.0\.0\.1:\d+\) \(baseline\)\s+train-dbx \(Databricks 127\.0\.0\.1:\d+.*\)$/);
    assert.match(
      lines.find((l) => /^param\s+lr\s/.test(l))!,
      /^param\s+lr\s+0\.1\s+0\.2 \(\+0\.1, \+100%\)$/,
    );
    // The spike at step 1717 (3000 values: past what one sampled request returns) is each run's max.
    assert.match(
      lines.find((l) => /^metric\s+loss \(max\)/.test(l))!,
      /^metric\s+loss \(max\)\s+40\s+60 \(\+20, \+50%\)$/,
    );
    assert.ok(
      dbx.emulator.requests.filter((r) => /metrics\/get-history/.test(r.path)).length > historiesBefore,
      "the twin's history was read through the workspace",
    );
    const bad = await runBuiltCli(['runs', 'diff', '--tracking-uri', dbx.mlflowUrl, '--baseline', localId, '--run-at', 'databricks'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--run-at "databricks": expected URI=RUN_ID/);
  });
});
