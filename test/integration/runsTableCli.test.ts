// `mlflow-wb runs table`, end to end: the built CLI (dist/cli.js) on the runs table's engine against a real server.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli as cli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

describe('mlflow-wb runs table (real server)', () => {
  let url: string;
  let experiment: string;
  /** run name → id */
  const ids = new Map<string, string>();
  /** `mlflow-wb runs table` on the server and an experiment (by default the one of the four runs). */
  const table = (args: string[], experimentName = experiment) => cli(['runs', 'table', '--tracking-uri', url, '--experiment', experimentName, ...args]);

  before(async () => {
    url = (await useMlflowServer()).url;
    const client = new MlflowRestClient({ baseUrl: url });
    experiment = uniqueName('cli-table');
    const id = await client.createExperiment(experiment);
    const runs: [string, string, number][] = [
      ['a', '0.1', 0.5],
      ['b', '0.2', 0.2],
      ['c', '0.1', 0.3],
      ['d', '0.3', 0.9],
    ];
    for (const [i, [name, lr, loss]] of runs.entries()) {
      const run = await client.createRun(id, name, { startTime: Date.UTC(2024, 1, 1) + i * 60_000 });
      await client.logBatch(run.run_id, {
        params: [
          { key: 'lr', value: lr },
          { key: 'note', value: '=cmd()' },
        ],
        metrics: [{ key: 'val loss', value: loss, timestamp: Date.now(), step: 0 }],
      });
      await client.updateRun(run.run_id, 'FINISHED');
      ids.set(name, run.run_id);
    }
  });

  it('sorts on the server by a metric whose name has a space, filters with a compiled column filter, writes neutralised CSV', async () => {
    const result = await table([
      '--sort',
      'metrics.val loss:desc',
      '--where',
      'metrics.val loss<0.6',
      '--columns',
      'attributes.run_name,params.lr,params.note,metrics.val loss',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split(/\r?\n/), [
      'run_id,attributes.run_name,params.lr,params.note,metrics.val loss',
      `${ids.get('a')},a,0.1,'=cmd(),0.5`,
      `${ids.get('c')},c,0.1,'=cmd(),0.3`,
      `${ids.get('b')},b,0.2,'=cmd(),0.2`,
    ]);
  });

  it('shows the compiled filter and order_by in JSON, joins a typed filter, and groups by a param', async () => {
    const json = await table(['--filter', "params.lr = '0.1'", '--where', 'metrics.val loss>=0.3', '--sort', 'params.lr', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { filter: string; orderBy: string[]; rows: { name: string }[] };
    assert.equal(parsed.filter, "params.lr = '0.1' AND metrics.`val loss` >= 0.3");
    assert.deepEqual(parsed.orderBy, ['params.lr', 'attributes.start_time DESC']);
    assert.deepEqual(
      parsed.rows.map((r) => r.name),
      ['c', 'a'],
    );
    const grouped = await table(['--group-by', 'params.lr', '--sort', 'params.lr']);
    assert.equal(grouped.code, 0, grouped.stderr);
    assert.deepEqual(JSON.parse(grouped.stdout), [
      { value: '0.1', count: 2, metrics: { 'val loss': { count: 2, min: 0.3, mean: 0.4, max: 0.5 } } },
      { value: '0.2', count: 1, metrics: { 'val loss': { count: 1, min: 0.2, mean: 0.2, max: 0.2 } } },
      { value: '0.3', count: 1, metrics: { 'val loss': { count: 1, min: 0.9, mean: 0.9, max: 0.9 } } },
    ]);
  });

  it('lists the child runs of a parent (--parent), with the other filters and the sort', async () => {
    const client = new MlflowRestClient({ baseUrl: url });
    const id = await client.createExperiment(uniqueName('cli-table-nested'));
    const parent = await client.createRun(id, 'sweep');
    const children: string[] = [];
    for (const [i, loss] of [0.4, 0.1, 0.7].entries()) {
      const child = await client.createRun(id, `trial-${i}`, { parentRunId: parent.run_id, startTime: Date.UTC(2024, 1, 1) + i * 60_000 });
      await client.logBatch(child.run_id, { metrics: [{ key: 'loss', value: loss, timestamp: Date.now(), step: 0 }] });
      children.push(child.run_id);
    }
    const name = (await client.getExperiment(id)).name;
    const result = await table(['--parent', parent.run_id, '--where', 'metrics.loss<0.5', '--sort', 'metrics.loss', '--format', 'json'], name);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { filter: string; rows: { runId: string; parentRunId?: string }[] };
    assert.equal(parsed.filter, `metrics.loss < 0.5 AND tags.\`mlflow.parentRunId\` = '${parent.run_id}'`);
    assert.deepEqual(
      parsed.rows.map((r) => [r.runId, r.parentRunId]),
      [
        [children[1], parent.run_id],
        [children[0], parent.run_id],
      ],
    );
  });

  it('explains a filter the server refuses and a column filter that cannot compile', async () => {
    const refused = await table(['--filter', "nonsense.lr = '0.1'"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Invalid entity type 'nonsense'/);
    const bad = await table(['--where', 'metrics.val loss<small']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /val loss: "small" is not a number/);
  });
});
