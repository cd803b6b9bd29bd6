// `mlflow-wb experiments|runs|models list`, end to end: the built CLI (dist/cli.js) against a real server.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { findFreePort } from '../../src/engine/process/freePort';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

const cli = runBuiltCli;

describe('mlflow-wb list commands (real server)', () => {
  let url: string;
  let experiment: string;
  let model: string;
  const runIds: string[] = [];
  let firstArtifactUri = '';

  before(async () => {
    url = (await useMlflowServer()).url;
    const client = new MlflowRestClient({ baseUrl: url });
    experiment = uniqueName('cli-exp');
    const id = await client.createExperiment(experiment);
    for (let i = 0; i < 5; i++) {
      const run = await client.createRun(id, `cli-run-${i}`, { startTime: Date.UTC(2024, 1, 1) + i * 60_000 });
      await client.logBatch(run.run_id, { metrics: [{ key: 'rmse', value: i / 10, timestamp: Date.now(), step: 0 }] });
      runIds.push(run.run_id);
      firstArtifactUri ||= run.artifact_uri ?? '';
    }
    await client.deleteRun(runIds[4]);
    model = uniqueName('cli-model');
    await client.createRegisteredModel(model);
    await client.createModelVersion(model, `${firstArtifactUri}/model`, runIds[0]);
    await client.setRegisteredModelAlias(model, 'champion', '1');
  });

  it('lists experiments as text and JSON, with the URI from MLFLOW_TRACKING_URI', async () => {
    const text = await cli(['experiments', 'list', '--tracking-uri', url, '--filter', `name = '${experiment}'`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ID\s+NAME\s+STAGE\s+UPDATED\n/);
    assert.match(text.stdout, new RegExp(`\\n\\d+\\s+${experiment}\\s+active\\s+\\d{4}-`));
    const json = await cli(['experiments', 'list', '--format', 'json'], { MLFLOW_TRACKING_URI: url });
    assert.equal(json.code, 0, json.stderr);
    const names = (JSON.parse(json.stdout) as { name: string }[]).map((e) => e.name);
    assert.ok(names.includes(experiment) && names.includes('Default'));
  });

  it('lists runs newest first, with filters, order, a maximum and view types', async () => {
    const text = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', experiment]);
    assert.equal(text.code, 0, text.stderr);
    const names = [...text.stdout.matchAll(/cli-run-\d/g)].map((m) => m[0]);
    assert.deepEqual(names, ['cli-run-3', 'cli-run-2', 'cli-run-1', 'cli-run-0']);
    assert.match(text.stdout, /rmse=0\.3/);

    const filtered = await cli([
      'runs',
      'list',
      '--tracking-uri',
      url,
      '--experiment',
      experiment,
      '--filter',
      'metrics.rmse < 0.25',
      '--order-by',
      'metrics.rmse ASC',
      '--format',
      'json',
    ]);
    assert.equal(filtered.code, 0, filtered.stderr);
    const runs = JSON.parse(filtered.stdout) as { info: { run_name: string } }[];
    assert.deepEqual(
      runs.map((r) => r.info.run_name),
      ['cli-run-0', 'cli-run-1', 'cli-run-2'],
    );

    assert.equal(text.stderr, '', 'no note when every run is listed');
    const limited = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', experiment, '--max', '2', '--format', 'json']);
    assert.equal((JSON.parse(limited.stdout) as unknown[]).length, 2);
    assert.equal(limited.stderr, '2 more run(s) not listed (--max 2): use --max 4 or --all to list them.\n');
    const all = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', experiment, '--all', '--format', 'json']);
    assert.equal((JSON.parse(all.stdout) as unknown[]).length, 4);
    assert.equal(all.stderr, '');

    const deleted = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', experiment, '--view', 'deleted', '--format', 'json']);
    assert.deepEqual(
      (JSON.parse(deleted.stdout) as { info: { run_id: string } }[]).map((r) => r.info.run_id),
      [runIds[4]],
    );
  });

  it('lists registered models with versions and aliases', async () => {
    const text = await cli(['models', 'list', '--tracking-uri', url, '--filter', `name = '${model}'`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${model}\\s+v1\\s+@champion=v1`));
    const json = await cli(['models', 'list', '--tracking-uri', url, '--filter', `name = '${model}'`, '--format', 'json']);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { name: string }[]).map((m) => m.name),
      [model],
    );
  });

  it('exits 1 with a clear message on server and input errors, and 2 on usage errors', async () => {
    const badFilter = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', experiment, '--filter', 'metrics.rmse <']);
    assert.equal(badFilter.code, 1);
    assert.match(badFilter.stderr, /mlflow-wb runs list: runs\/search: Invalid clause\(s\) in filter string/);

    const port = await findFreePort();
    const down = await cli(['experiments', 'list', '--tracking-uri', `http://127.0.0.1:${port}`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`Cannot reach the MLflow tracking server at http://127\\.0\\.0\\.1:${port}`));

    const missing = await cli(['runs', 'list', '--tracking-uri', url, '--experiment', uniqueName('nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no experiment named 'nope-.*' at MLflow 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(missing.stderr, /Usage:/);

    const noUri = await cli(['experiments', 'list']);
    assert.equal(noUri.code, 1);
    assert.match(noUri.stderr, /No tracking URI/);

    const usage = await cli(['runs', 'list', '--tracking-uri', url]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--experiment NAME is required\nUsage: mlflow-wb runs list/);
  });
});
