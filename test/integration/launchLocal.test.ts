import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { processGroupAlive } from '../../src/engine/process/processGroup';
import type { LaunchState } from '../../src/engine/launching/launchTypes';
import { launchLocal } from '../../src/engine/launching/localLauncher';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { fixturesDir, makeTempDir, venvPython } from '../support/repoPaths';

const projectDir = path.join(fixturesDir, 'launch-project');
let trackingUri: string;
let client: MlflowRestClient;

before(async () => {
  trackingUri = (await useMlflowServer()).url;
  client = new MlflowRestClient({ baseUrl: trackingUri });
});

after(() => {
  // mlflow run leaves nothing in the fixture but __pycache__ of the scripts.
  fs.rmSync(path.join(projectDir, '__pycache__'), { recursive: true, force: true });
});

function collect() {
  const states: LaunchState[] = [];
  let output = '';
  return {
    states,
    get output() {
      return output;
    },
    events: { onState: (s: LaunchState) => void states.push(s), onOutput: (t: string) => void (output += t) },
  };
}

function params(run: Awaited<ReturnType<MlflowRestClient['getRun']>>): Record<string, string> {
  return Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
}

test('a local run of the fixture finishes, with its parameters and metrics on the server', async () => {
  const experimentName = uniqueName('launch-local');
  const seen = collect();
  const handle = launchLocal(
    { projectDir, entryPoint: 'main', parameters: { alpha: '0.25', label: 'hello' }, experimentName, runName: 'first', trackingUri },
    { python: venvPython, envManager: 'local' },
    seen.events,
  );
  const final = await handle.done;
  assert.equal(final.phase, 'finished', final.message);
  assert.match(final.mlflowRunId ?? '', /^[0-9a-f]{32}$/);
  assert.match(seen.output, /training started: alpha=0.25 label='hello'/);
  assert.deepEqual([...new Set(seen.states.map((s) => s.phase))], ['validating', 'running', 'finished']);
  assert.ok(
    seen.states.some((s) => s.phase === 'running' && s.mlflowRunId === final.mlflowRunId),
    'the run id is reported while running',
  );
  const run = await client.getRun(final.mlflowRunId!);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.run_name, 'first');
  assert.deepEqual(params(run), { alpha: '0.25', label: 'hello', label_seen: 'hello' });
  assert.equal(run.data.metrics?.find((m) => m.key === 'rmse')?.value, 0.8);
  const experiment = await client.getExperimentByName(experimentName);
  assert.equal(run.info.experiment_id, experiment?.experiment_id);
});

test('a failing entry point ends failed with its error text', async () => {
  const handle = launchLocal(
    { projectDir, entryPoint: 'fail', parameters: { reason: 'disk on fire' }, experimentName: uniqueName('launch-fail'), trackingUri },
    { python: venvPython, envManager: 'local' },
  );
  const final = await handle.done;
  assert.equal(final.phase, 'failed');
  assert.match(final.message ?? '', /RuntimeError: Deliberate failure: disk on fire/);
  assert.match(final.message ?? '', /exited with code 1/);
  assert.equal((await client.getRun(final.mlflowRunId!)).info.status, 'FAILED');
});

test('cancel kills the whole process group and the run ends killed', async () => {
  const seen = collect();
  let pgid = 0;
  const started = new Promise<void>((resolve) => {
    const onOutput = seen.events.onOutput;
    seen.events.onOutput = (text: string) => {
      onOutput(text);
      const m = /pgid=(\d+)/.exec(seen.output);
      if (m) {
        pgid = Number(m[1]);
        resolve();
      }
    };
  });
  const handle = launchLocal(
    { projectDir, entryPoint: 'sleep', parameters: { seconds: '300' }, experimentName: uniqueName('launch-cancel'), trackingUri },
    { python: venvPython, envManager: 'local' },
    seen.events,
  );
  await started;
  assert.ok(processGroupAlive(pgid), 'the entry point runs before cancel');
  const t0 = Date.now();
  await handle.cancel();
  const final = await handle.done;
  assert.equal(final.phase, 'killed', final.message);
  assert.ok(Date.now() - t0 < 10_000, 'cancel does not wait for the sleep');
  assert.equal(processGroupAlive(pgid), false, 'no process of the group survives');
  assert.equal((await client.getRun(final.mlflowRunId!)).info.status, 'KILLED');
});

test('hostile parameter values reach the run verbatim and nothing is executed', async () => {
  const marker = path.join(makeTempDir('launch-hostile'), 'pwned');
  const label = `it's "quoted"; echo $(touch ${marker}) \`touch ${marker}\` & spaces\nsecond line $HOME`;
  const handle = launchLocal(
    { projectDir, entryPoint: 'main', parameters: { alpha: '1', label }, experimentName: uniqueName('launch-hostile'), trackingUri },
    { python: venvPython, envManager: 'local' },
  );
  const final = await handle.done;
  assert.equal(final.phase, 'finished', final.message);
  const p = params(await client.getRun(final.mlflowRunId!));
  assert.equal(p.label_seen, label, 'the script received the value unchanged');
  // MLflow 3 logs the entry point's parameters shell-quoted (shlex.quote in _project_spec.py): it is the same value.
  assert.equal(p.label, `'${label.replace(/'/g, `'"'"'`)}'`);
  assert.equal(fs.existsSync(marker), false);
});

test('a float that does not parse is refused before anything starts', async () => {
  const experimentName = uniqueName('launch-badfloat');
  const t0 = Date.now();
  const seen = collect();
  const final = await launchLocal(
    { projectDir, entryPoint: 'main', parameters: { alpha: 'zero point five' }, experimentName, trackingUri },
    { python: venvPython, envManager: 'local' },
    seen.events,
  ).done;
  assert.equal(final.phase, 'failed');
  assert.match(final.message ?? '', /Parameter 'alpha' of entry point 'main' is a float, but the value "zero point five" is not a number/);
  assert.ok(Date.now() - t0 < 1000, 'no process was started');
  assert.equal(seen.output, '');
  assert.equal(await client.getExperimentByName(experimentName), undefined);
});
