import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { databricksRunCommand, pythonJsonDumps, shlexQuote, sparkJobWrapper } from '../../src/engine/launching/databricksCommand';
import { venvPython } from '../support/repoPaths';

// MLflow's own functions, from the venv, as the reference for the submitted command.
function mlflowCommand(fuse: string, runId: string, entry: string, params: Record<string, string>, envManager: string | null): string[] {
  const code = [
    'import json, sys',
    'from mlflow.projects.databricks import _get_databricks_run_cmd',
    'a = json.loads(sys.argv[1])',
    'print(json.dumps(_get_databricks_run_cmd(a["fuse"], a["run_id"], a["entry"], a["params"], a["env"])))',
  ].join('\n');
  return JSON.parse(
    execFileSync(venvPython, ['-c', code, JSON.stringify({ fuse, run_id: runId, entry, params, env: envManager })], { encoding: 'utf8' }),
  ) as string[];
}

test('the shell_command_task command is MLflow 3 character for character, hostile values included', () => {
  const fuse = '/dbfs/mlflow-experiments/7/projects-code/0123abcd.tar.gz';
  const params = { alpha: '0.5', label: `it's "x"; $(id) \`id\` a b\nc`, 'k-2': '' };
  assert.deepEqual(databricksRunCommand(fuse, 'f'.repeat(32), 'main', params, 'local'), mlflowCommand(fuse, 'f'.repeat(32), 'main', params, 'local'));
  assert.deepEqual(databricksRunCommand(fuse, 'a'.repeat(32), 'train.py', {}, undefined), mlflowCommand(fuse, 'a'.repeat(32), 'train.py', {}, null));
});

test('shlexQuote and pythonJsonDumps match Python', () => {
  const samples = ['', 'plain-1.0', "a'b", 'a b', 'é', '$x'];
  const py = JSON.parse(
    execFileSync(
      venvPython,
      [
        '-c',
        'import json,shlex,sys; print(json.dumps([shlex.quote(s) for s in json.loads(sys.argv[1])] + [json.dumps({"A": "é\\"x"})]))',
        JSON.stringify(samples),
      ],
      { encoding: 'utf8' },
    ),
  ) as string[];
  assert.deepEqual([...samples.map(shlexQuote), pythonJsonDumps({ A: 'é"x' })], py);
});

test('the databricks_spark_job wrapper sets the environment, extracts the tar and runs the code from the project folder', () => {
  const text = sparkJobWrapper({ MLFLOW_RUN_ID: 'r1' }, '/dbfs/x/abc.tar.gz', 'print(1)');
  assert.match(text, /os\.environ\.update\(\{"MLFLOW_RUN_ID": "r1"\}\)/);
  assert.match(text, /os\.chdir\('\/databricks\/mlflow\/projects\/abc'\)\nprint\(1\)\n$/);
});
