import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkParameters, isPythonFloat, launchProblems, readProject } from '../../../src/engine/launching/projectEntryPoints';
import { fixturesDir, makeTempDir } from '../../support/repoPaths';

test('readProject lists the fixture entry points with types and defaults', async () => {
  const project = await readProject(path.join(fixturesDir, 'launch-project'));
  assert.deepEqual(project.errors, []);
  assert.equal(project.name, 'launch-project');
  assert.deepEqual(project.environment, { kind: 'python_env', file: 'python_env.yaml' });
  const main = project.entryPoints.find((e) => e.name === 'main');
  assert.deepEqual(main?.parameters, [
    { name: 'alpha', type: 'float', default: '0.5' },
    { name: 'label', type: 'string', default: 'baseline' },
  ]);
  assert.equal(main?.command, 'python train.py --alpha {alpha} --label {label}');
  assert.deepEqual(
    project.entryPoints.map((e) => e.name),
    ['main', 'fail', 'sleep'],
  );
});

test('readProject reports MLproject errors with line numbers (short-form types, no default)', async () => {
  const dir = makeTempDir('launch-read');
  fs.writeFileSync(
    path.join(dir, 'MLproject'),
    'name: p\nconda_env: conda.yaml\npython_env: python_env.yaml\nentry_points:\n  main:\n    parameters:\n      n: float\n    command: "python t.py {n}"\n',
  );
  fs.writeFileSync(path.join(dir, 'conda.yaml'), 'name: x\ndependencies:\n  - python=3.11\n');
  fs.writeFileSync(path.join(dir, 'python_env.yaml'), 'python: "3.11"\ndependencies: [mlflow]\n');
  const project = await readProject(dir);
  assert.ok(project.errors.length > 0, 'two environment keys are an error');
  assert.match(project.errorLines.join('\n'), /^MLproject:\d+:\d+: .*multiple environment fields/m);
  assert.deepEqual(project.entryPoints[0]?.parameters, [{ name: 'n', type: 'float' }]);
  const { problems } = await launchProblems(dir, 'main', { n: '1' });
  assert.match(problems.join('\n'), /MLproject has errors/);
});

test('checkParameters: required, float syntax as Python reads it, uri scheme', () => {
  const ep = {
    name: 'main',
    command: '',
    parameters: [
      { name: 'alpha', type: 'float' as const },
      { name: 'data', type: 'uri' as const, default: 's3://b/k' },
      { name: 'label', type: 'string' as const, default: 'x' },
    ],
  };
  assert.match(checkParameters(ep, {}).join('\n'), /No value given for missing parameters: 'alpha'/);
  assert.deepEqual(checkParameters(ep, { alpha: '0.5' }), []);
  assert.match(checkParameters(ep, { alpha: '0,5' }).join('\n'), /'alpha' .* is a float, but the value "0,5" is not a number/);
  assert.match(checkParameters(ep, { alpha: '1', data: 'relative/path' }).join('\n'), /Expected URI for parameter data/);
  for (const ok of ['1', '-2.5', '1e-3', ' 3 ', '1_000.5', 'inf', '-Infinity', 'nan', '.5', '5.']) assert.ok(isPythonFloat(ok), ok);
  for (const bad of ['', 'abc', '1.2.3', '0x10', '1e', '_1', '$(id)']) assert.ok(!isPythonFloat(bad), bad);
});

test('launchProblems: unknown entry point names the declared ones; a .py script is accepted', async () => {
  const dir = path.join(fixturesDir, 'launch-project');
  assert.match((await launchProblems(dir, 'nope', {})).problems.join('\n'), /Entry point 'nope' is not in MLproject \(entry points: main, fail, sleep\)/);
  assert.deepEqual((await launchProblems(dir, 'train.py', {})).problems, []);
});
