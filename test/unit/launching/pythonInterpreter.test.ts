import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { cliInterpreter } from '../../../src/cli/runCommand';
import { checkMlflowImport, interpreterProblemMessage, mlflowRequirement, resolveInterpreter } from '../../../src/engine/launching/pythonInterpreter';
import { makeTempDir, repoRoot } from '../../support/repoPaths';

const setting = { python: '/opt/py/bin/python', source: 'setting' as const, name: 'mlflow.pythonPath' };

test('resolveInterpreter: mlflow.pythonPath, then the Python extension, then .venv, then PATH, each with its reason', () => {
  const project = makeTempDir('interp');
  assert.deepEqual(resolveInterpreter({ configured: setting, fromPythonExtension: '/ext/python', folder: project }), {
    python: '/opt/py/bin/python',
    source: 'setting',
    reason: 'set by mlflow.pythonPath',
  });
  const fromExtension = resolveInterpreter({ unset: ['mlflow.pythonPath'], fromPythonExtension: '/ext/python', askedPythonExtension: true, folder: project });
  assert.equal(fromExtension.python, '/ext/python');
  assert.equal(fromExtension.reason, "the Python extension's selected interpreter");

  const onPath = resolveInterpreter({ unset: ['mlflow.pythonPath'], askedPythonExtension: true, folder: project, platform: 'linux' });
  assert.equal(onPath.python, 'python3');
  assert.equal(onPath.source, 'path');
  assert.equal(onPath.reason, `python3 on PATH: mlflow.pythonPath is not set, no interpreter is selected in the Python extension, ${project} has no .venv`);
  assert.equal(resolveInterpreter({ platform: 'win32' }).python, 'python');

  fs.mkdirSync(path.join(project, '.venv', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(project, '.venv', 'bin', 'python'), '');
  const venv = resolveInterpreter({ unset: ['mlflow.pythonPath'], askedPythonExtension: true, folder: project });
  assert.deepEqual(venv, { python: path.join(project, '.venv', 'bin', 'python'), source: 'venv', reason: `the .venv of ${project}` });
  // A blank setting counts as unset.
  assert.equal(resolveInterpreter({ configured: { ...setting, python: '  ' }, folder: project }).source, 'venv');
});

test('cliInterpreter: --python, then MLFLOW_WB_PYTHON, then the project .venv, then python3', () => {
  const project = makeTempDir('interp-cli');
  assert.equal(cliInterpreter({ python: '/x/python' }, project, { MLFLOW_WB_PYTHON: '/y/python' }).reason, 'set by --python');
  assert.equal(cliInterpreter({}, project, { MLFLOW_WB_PYTHON: '/y/python' }).reason, 'set by MLFLOW_WB_PYTHON');
  const fallback = cliInterpreter({}, project, {});
  assert.equal(fallback.source, 'path');
  assert.match(fallback.reason, /--python is not set, MLFLOW_WB_PYTHON is not set, .* has no \.venv$/);
});

test('checkMlflowImport says why an interpreter cannot import mlflow, and remembers only a success', async () => {
  const dir = makeTempDir('interp-check');
  const fake = path.join(dir, 'python');
  const script = (body: string) => fs.writeFileSync(fake, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  script(`echo "Traceback (most recent call last):" >&2; echo "ModuleNotFoundError: No module named 'mlflow'" >&2; exit 1`);
  const missing = await checkMlflowImport(fake);
  assert.deepEqual(missing, { ok: false, problem: "ModuleNotFoundError: No module named 'mlflow'" });
  assert.equal(
    interpreterProblemMessage({ python: fake, source: 'setting', reason: 'set by mlflow.pythonPath' }, missing.ok ? '' : missing.problem),
    `The Python interpreter ${fake} (set by mlflow.pythonPath) cannot import mlflow: ModuleNotFoundError: No module named 'mlflow'.`,
  );
  // Fixed (mlflow installed): the failure was not cached, the success is.
  script('printf 3.17.2');
  assert.deepEqual(await checkMlflowImport(fake), { ok: true, version: '3.17.2' });
  script('exit 1');
  assert.deepEqual(await checkMlflowImport(fake), { ok: true, version: '3.17.2' });

  assert.deepEqual(await checkMlflowImport(path.join(dir, 'nope')), { ok: false, problem: `${path.join(dir, 'nope')} was not found` });
});

test("mlflowRequirement is python/requirements.txt's mlflow pin", async () => {
  const pin = fs.readFileSync(path.join(repoRoot, 'python', 'requirements.txt'), 'utf8').match(/^mlflow==\S+/m)![0];
  assert.equal(await mlflowRequirement(), pin);
  const other = path.join(makeTempDir('req'), 'requirements.txt');
  fs.writeFileSync(other, '# pins\npytest==9\nmlflow[databricks]==3.1.0  # tracking\n');
  assert.equal(await mlflowRequirement(other), 'mlflow[databricks]==3.1.0');
});
