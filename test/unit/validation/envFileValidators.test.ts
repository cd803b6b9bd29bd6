import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, check, codes, expectOne } from './validationTestKit';

const CONDA = `name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow==3.1.0
      - scikit-learn
`;

describe('conda.yaml validator', () => {
  it('accepts a valid environment', () => {
    assert.deepEqual(check('conda', CONDA), []);
  });
  it('hints when python or mlflow is missing (MLflow runs it), warns when python is unpinned', () => {
    const noPython = CONDA.replace('  - python=3.11\n', '');
    expectOne(noPython, check('conda', noPython), 'conda/missing-python', 'info', 'dependencies');
    const unpinned = CONDA.replace('python=3.11', 'python');
    const d = expectOne(unpinned, check('conda', unpinned), 'conda/unpinned-python', 'warning', 'python');
    assert.match(d.message, /It must be pinned/);
    const noMlflow = CONDA.replace('      - mlflow==3.1.0\n', '');
    expectOne(noMlflow, check('conda', noMlflow), 'conda/missing-mlflow', 'info', 'dependencies');
  });
  it('rejects a dict dependency that is not {pip: [...]} and a pip entry that is not a list of strings', () => {
    const bad = CONDA.replace('  - pip\n', '  - {conda: x}\n');
    const d = expectOne(bad, check('conda', bad), 'conda/invalid-dependency', 'error', '{conda: x}');
    assert.match(d.message, /Must be str or dict in the form of \{"pip": \[\.\.\.\]\}/);
    const pip = CONDA.replace('  - pip:\n      - mlflow==3.1.0\n      - scikit-learn\n', '  - pip: mlflow\n');
    expectOne(pip, check('conda', pip), 'conda/invalid-pip', 'error', 'mlflow');
  });
  it('recognises launcher placeholders for wheels and flags missing local wheels', () => {
    for (const placeholder of ['WHEELPATH', '"{{wheel_path}}"', '${WHEEL}', '<wheel>']) {
      const t = CONDA.replace('      - scikit-learn\n', `      - ${placeholder}\n`);
      assert.deepEqual(check('conda', t), [], placeholder);
    }
    const unquoted = CONDA.replace('      - scikit-learn\n', '      - {{wheel_path}}\n');
    const u = expectOne(unquoted, check('conda', unquoted), 'conda/invalid-pip', 'error', '{{wheel_path}}');
    assert.match(u.message, /quote it/);
    const local = CONDA.replace('      - scikit-learn\n', '      - dist/pkg-1.0-py3-none-any.whl\n');
    expectOne(local, check('conda', local), 'conda/requirement-file-not-found', 'warning', 'dist/pkg-1.0-py3-none-any.whl');
    assert.deepEqual(check('conda', local, ['dist/pkg-1.0-py3-none-any.whl']), []);
  });
  it('warns about unknown keys with a rename fix and checks channels', () => {
    const t = CONDA.replace('channels:', 'chanels:');
    const d = expectOne(t, check('conda', t), 'conda/unknown-key', 'warning', 'chanels');
    assert.equal(applyFix(t, d), CONDA);
    const c = CONDA.replace('  - conda-forge', '  - {a: 1}');
    expectOne(c, check('conda', c), 'conda/invalid-channels', 'error', '{a: 1}');
  });
});

const PYENV = `python: "3.11"
build_dependencies:
  - pip
dependencies:
  - mlflow==3.1.0
  - -r requirements.txt
`;

describe('python_env.yaml validator', () => {
  it('accepts a valid file', () => {
    assert.deepEqual(check('python_env', PYENV, ['requirements.txt']), []);
  });
  it('rejects unknown keys as _PythonEnv does, with a rename fix', () => {
    const t = PYENV.replace('build_dependencies', 'build_dependency');
    const d = expectOne(t, check('python_env', t, ['requirements.txt']), 'python_env/unknown-key', 'error', 'build_dependency');
    assert.match(d.message, /unexpected keyword argument 'build_dependency'/);
    assert.equal(applyFix(t, d), PYENV);
  });
  it('rejects an unquoted python version that YAML reads as a number, and quotes it', () => {
    const t = PYENV.replace('"3.11"', '3.10');
    const d = expectOne(t, check('python_env', t, ['requirements.txt']), 'python_env/invalid-python', 'error', '3.10');
    assert.match(d.message, /must be a string but got <class 'float'>/);
    assert.equal(applyFix(t, d), PYENV.replace('"3.11"', '"3.10"'));
  });
  it('rejects non-list dependencies and non-string entries', () => {
    const t = PYENV.replace('build_dependencies:\n  - pip', 'build_dependencies: pip');
    expectOne(t, check('python_env', t, ['requirements.txt']), 'python_env/invalid-dependencies', 'error', 'pip');
    const n = PYENV.replace('  - mlflow==3.1.0\n', '  - mlflow==3.1.0\n  - {a: 1}\n');
    expectOne(n, check('python_env', n, ['requirements.txt']), 'python_env/invalid-dependencies', 'error', '{a: 1}');
  });
  it('reports a -r requirements file that does not exist next to the file', () => {
    const d = expectOne(PYENV, check('python_env', PYENV), 'python_env/requirement-file-not-found', 'error', 'requirements.txt');
    assert.match(d.message, /Could not open requirements file/);
  });
  it('notes a missing python and warns about a missing mlflow', () => {
    const t = 'dependencies:\n  - numpy\n';
    assert.deepEqual(codes(check('python_env', t)), ['python_env/missing-python', 'python_env/missing-mlflow']);
    assert.equal(check('python_env', t)[0].severity, 'info');
  });
  it('rejects a non-mapping file', () => {
    expectOne('- a\n', check('python_env', '- a\n'), 'python_env/not-a-mapping', 'error', '- a\n');
  });
});
