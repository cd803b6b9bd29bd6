import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, check, codes, expectOne, projectDir } from './validationTestKit';

const VALID = `name: demo
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      data: {type: path, default: data.csv}
      src: {type: uri, default: "s3://bucket/key"}
      name: string
    command: "python train.py --alpha {alpha} --data {data} --src {src} --name {name}"
  shell:
    command: bash run.sh --literal {{braces}}
`;
const FILES = ['python_env.yaml', 'train.py', 'run.sh', 'data.csv'];

describe('MLproject validator', () => {
  it('accepts a valid project without any diagnostic', () => {
    assert.deepEqual(check('mlproject', VALID, FILES), []);
  });

  it('reports YAML syntax errors at their position', () => {
    const text = 'name: x\nentry_points: [a,\n';
    const d = check('mlproject', text);
    assert.deepEqual(codes(d), ['yaml/syntax']);
    assert.equal(d[0].severity, 'error');
    assert.ok(d[0].range.start >= text.indexOf('[') && d[0].range.end <= text.length);
  });

  it('reports an empty file and a non-mapping file as MLflow fails on them', () => {
    const empty = check('mlproject', '');
    assert.deepEqual(codes(empty), ['mlproject/not-a-mapping']);
    assert.match(empty[0].message, /NoneType/);
    const list = '- a\n- b\n';
    expectOne(list, check('mlproject', list), 'mlproject/not-a-mapping', 'error', '- a\n- b\n');
  });

  it('warns about an unknown top-level key and offers the nearest known key', () => {
    const text = VALID.replace('python_env:', 'pyton_env:');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/unknown-key', 'warning', 'pyton_env');
    assert.match(d.message, /did you mean 'python_env'/);
    assert.equal(applyFix(text, d), VALID);
  });

  it('reports duplicate keys because PyYAML silently keeps the last', () => {
    const text = VALID.replace('name: demo\n', 'name: demo\nname: other\n');
    expectOne(text, check('mlproject', text, FILES), 'yaml/duplicate-key', 'warning', 'name');
  });

  it('rejects two environment fields with MLflow message and removes the second', () => {
    const text = VALID.replace('python_env: python_env.yaml\n', 'python_env: python_env.yaml\nconda_env: conda.yaml\n');
    const d = expectOne(text, check('mlproject', text, [...FILES, 'conda.yaml']), 'mlproject/multiple-environments', 'error', 'conda_env');
    assert.match(d.message, /Project cannot contain multiple environment fields: \{'python_env', 'conda_env'\}/);
    assert.equal(applyFix(text, d), VALID);
  });

  it('reports a missing env file with MLflow message and a create-file fix', () => {
    const d = expectOne(VALID, check('mlproject', VALID, ['train.py', 'run.sh', 'data.csv']), 'mlproject/env-file-not-found', 'error', 'python_env.yaml');
    assert.match(d.message, /Project specified python_env file .*python_env\.yaml, but no such file was found/);
    assert.equal(d.createFile?.path, path.join(projectDir, 'python_env.yaml'));
    assert.match(d.createFile?.content ?? '', /^python: "3\.11"/);
    const conda = VALID.replace('python_env: python_env.yaml', 'conda_env: envs/conda.yml');
    const c = expectOne(conda, check('mlproject', conda, FILES), 'mlproject/env-file-not-found', 'error', 'envs/conda.yml');
    assert.match(c.message, /Project specified conda environment file/);
    assert.match(c.createFile?.content ?? '', /dependencies:/);
    const notString = VALID.replace('python_env: python_env.yaml', 'python_env: [a]');
    expectOne(notString, check('mlproject', notString, FILES), 'mlproject/invalid-env-file', 'error', '[a]');
  });

  it('requires docker_env.image and checks volumes and environment shapes', () => {
    const base = 'entry_points:\n  main:\n    command: "python train.py"\n';
    const noImage = `docker_env:\n  volumes: ["/a:/a"]\n${base}`;
    const d = expectOne(noImage, check('mlproject', noImage, ['train.py']), 'mlproject/docker-missing-image', 'error', 'docker_env');
    assert.match(d.message, /Docker environment specified but no image attribute found/);
    const vols = `docker_env:\n  image: python:3.11\n  volumes: ["/a:/a", 3]\n${base}`;
    expectOne(vols, check('mlproject', vols, ['train.py']), 'mlproject/docker-invalid-volumes', 'error', '3');
    const env = `docker_env:\n  image: python:3.11\n  environment: ["HOME", ["A", "1"], {x: 1}]\n${base}`;
    expectOne(env, check('mlproject', env, ['train.py']), 'mlproject/docker-invalid-environment', 'error', '{x: 1}');
    const pair = `docker_env:\n  image: python:3.11\n  environment: [["ONLY_NAME"]]\n${base}`;
    expectOne(pair, check('mlproject', pair, ['train.py']), 'mlproject/docker-invalid-environment', 'error', '["ONLY_NAME"]');
    const ok = `docker_env:\n  image: python:3.11\n  volumes: ["/a:/a"]\n  environment: ["HOME", ["A", "1"]]\n${base}`;
    assert.deepEqual(check('mlproject', ok, ['train.py']), []);
  });

  it('reports entry point shape errors that crash MLflow loader', () => {
    const notMap = 'entry_points: [main]\n';
    expectOne(notMap, check('mlproject', notMap), 'mlproject/invalid-entry-points', 'error', '[main]');
    const epNull = 'entry_points:\n  main:\n';
    expectOne(epNull, check('mlproject', epNull), 'mlproject/invalid-entry-point', 'error', 'main');
    const params = 'entry_points:\n  main:\n    parameters: [a]\n    command: "python t.py"\n';
    expectOne(params, check('mlproject', params, ['t.py']), 'mlproject/invalid-parameters', 'error', '[a]');
    const param = 'entry_points:\n  main:\n    parameters:\n      a: 3\n    command: "python t.py {a}"\n';
    expectOne(param, check('mlproject', param, ['t.py']), 'mlproject/invalid-parameter', 'error', '3');
  });

  it('reports an entry point without command, and a non-string command', () => {
    const text = VALID.replace('    command: bash run.sh --literal {{braces}}\n', '    parameters: {}\n');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/missing-command', 'error', 'shell');
    assert.match(d.message, /'NoneType' object has no attribute 'format'/);
    const num = VALID.replace('command: bash run.sh --literal {{braces}}', 'command: 42');
    expectOne(num, check('mlproject', num, FILES), 'mlproject/invalid-command', 'error', '42');
  });

  it('reports an undeclared placeholder and declares it with the fix (block, flow and missing parameters)', () => {
    const text = VALID.replace('--name {name}', '--name {name} --seed {seed}');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/undeclared-placeholder', 'error', '{seed}');
    assert.match(d.message, /KeyError: 'seed'/);
    const fixed = applyFix(text, d);
    assert.match(fixed, / {6}name: string\n {6}seed: string\n {4}command:/);
    assert.deepEqual(check('mlproject', fixed, FILES), []);

    const flow = 'entry_points:\n  main:\n    parameters: {a: float}\n    command: "python t.py {a} {b}"\n';
    const f = expectOne(flow, check('mlproject', flow, ['t.py']), 'mlproject/undeclared-placeholder', 'error', '{b}');
    assert.equal(applyFix(flow, f), flow.replace('{a: float}', '{a: float, b: string}'));

    const none = 'entry_points:\n  main:\n    command: "python t.py {b}"\n';
    const n = expectOne(none, check('mlproject', none, ['t.py']), 'mlproject/undeclared-placeholder', 'error', '{b}');
    const nf = applyFix(none, n);
    assert.equal(nf, 'entry_points:\n  main:\n    parameters:\n      b: string\n    command: "python t.py {b}"\n');
    assert.deepEqual(check('mlproject', nf, ['t.py']), []);
  });

  it('flags ${VAR} shell variables since str.format reads them as placeholders', () => {
    const text = 'entry_points:\n  main:\n    command: "python t.py --out ${HOME}/x"\n';
    const d = expectOne(text, check('mlproject', text, ['t.py']), 'mlproject/undeclared-placeholder', 'error', '{HOME}');
    assert.match(d.message, /\$\{\{HOME\}\}/);
  });

  it('reports broken braces and positional placeholders in the command', () => {
    const open = 'entry_points:\n  main:\n    command: "python t.py {"\n';
    const d = expectOne(open, check('mlproject', open, ['t.py']), 'mlproject/invalid-command-format', 'error', '{');
    assert.match(d.message, /Single '\{' encountered in format string/);
    const close = 'entry_points:\n  main:\n    command: "python t.py }"\n';
    expectOne(close, check('mlproject', close, ['t.py']), 'mlproject/invalid-command-format', 'error', '}');
    const positional = 'entry_points:\n  main:\n    command: "python t.py {}"\n';
    expectOne(positional, check('mlproject', positional, ['t.py']), 'mlproject/positional-placeholder', 'error', '{}');
  });

  it('warns about a declared parameter the command never uses', () => {
    const text = VALID.replace(' --name {name}', '');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/unused-parameter', 'warning', 'name');
    assert.match(d.message, /^Parameter 'name' is declared but the command of entry point 'main' never uses \{name\}/);
    assert.equal(d.fixes, undefined);
  });

  it('gives one warning per entry point for all its unused parameters, and a fix for a name written without braces', () => {
    // MLflow's flower-classifier keeps a seed it never passes; here three parameters are left out.
    const text = VALID.replace(' --alpha {alpha} --data {data} --src {src}', '');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/unused-parameter', 'warning', 'alpha');
    assert.match(
      d.message,
      /^Parameters 'alpha', 'data' and 'src' are declared but the command of entry point 'main' never uses \{alpha\}, \{data\} or \{src\}/,
    );
    const bare = VALID.replace('--alpha {alpha}', '--alpha alpha');
    const b = expectOne(bare, check('mlproject', bare, FILES), 'mlproject/unused-parameter', 'warning', 'alpha');
    assert.match(b.message, /names 'alpha' without braces/);
    assert.equal(applyFix(bare, b), VALID);
  });

  it('warns about an unknown parameter type with a fix', () => {
    const text = VALID.replace('{type: float, default: 0.5}', '{type: flaot, default: 0.5}');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/unknown-parameter-type', 'warning', 'flaot');
    assert.equal(applyFix(text, d), VALID);
  });

  it('int, str, bool and other names MLflow passes through as text get an information hint, no did-you-mean', () => {
    for (const t of ['int', 'str', 'bool', 'boolean', 'integer']) {
      const text = VALID.replace('name: string', `name: ${t}`);
      const diags = check('mlproject', text, FILES);
      const i = expectOne(text, diags, 'mlproject/unchecked-parameter-type', 'info', t);
      assert.match(i.message, /as text without checking it/);
      assert.doesNotMatch(i.message, /did you mean/);
      assert.equal(i.fixes, undefined);
      assert.ok(!diags.some((d) => d.severity !== 'info'), JSON.stringify(diags));
    }
  });

  it('accepts description on a parameter (documentation MLflow ignores); other keys MLflow ignores get an information hint', () => {
    const text = VALID.replace('{type: float, default: 0.5}', '{type: float, default: 0.5, description: "learning rate"}');
    assert.deepEqual(check('mlproject', text, FILES), []);
    const help = VALID.replace('{type: float, default: 0.5}', '{type: float, default: 0.5, required: true}');
    const diags = check('mlproject', help, FILES);
    const d = expectOne(help, diags, 'mlproject/ignored-parameter-key', 'info', 'required');
    assert.match(d.message, /reads only 'type' and 'default'/);
    assert.deepEqual(codes(diags), ['mlproject/ignored-parameter-key']);
  });

  it('a key glued to its value in a flow mapping ({type str, ...}) is a warning where it loses a default or a path/uri type, else a hint; each with a fix', () => {
    // The real-world form (MLflow's own pytorch examples): the type is lost, but MLflow would pass the value as text anyway.
    const str = VALID.replace('{type: float, default: 0.5}', '{type float, default: 0.5}');
    const s = expectOne(str, check('mlproject', str, FILES), 'mlproject/malformed-parameter-key', 'info', 'type float');
    assert.match(s.message, /read as one key with no value/);
    assert.equal(applyFix(str, s), VALID.replace('{type: float, default: 0.5}', '{type: float, default: 0.5}'));
    const colon = VALID.replace('{type: float, default: 0.5}', '{type:float, default: 0.5}');
    assert.equal(applyFix(colon, expectOne(colon, check('mlproject', colon, FILES), 'mlproject/malformed-parameter-key', 'info', 'type:float')), VALID);
    // A lost path type: MLflow no longer resolves or downloads the value.
    const pathType = VALID.replace('{type: path, default: data.csv}', '{type path, default: data.csv}');
    const p = expectOne(pathType, check('mlproject', pathType, FILES), 'mlproject/malformed-parameter-key', 'warning', 'type path');
    assert.match(p.message, /does not resolve the path/);
    assert.equal(applyFix(pathType, p), VALID);
    // A lost default: `mlflow run` fails without -P.
    const dflt = VALID.replace('{type: float, default: 0.5}', '{type: float, default 0.5}');
    const dd = expectOne(dflt, check('mlproject', dflt, FILES), 'mlproject/malformed-parameter-key', 'warning', 'default 0.5');
    assert.match(dd.message, /No value given for missing parameters/);
    assert.equal(applyFix(dflt, dd), VALID);
  });

  it('reads YAML 1.1 as PyYAML does: a tab after a value is an error at its position', () => {
    const text = VALID.replace(/^name: (.*)$/m, 'name: $1\t');
    const d = expectOne(text, check('mlproject', text, FILES), 'yaml/tab', 'error', '\t');
    assert.match(d.message, /found character '\\t' that cannot start any token/);
    assert.equal(applyFix(text, d), VALID.replace(/^name: (.*)$/m, 'name: $1 '));
    const quoted = VALID.replace('command:', '# a\tcomment\n    command:');
    assert.ok(!check('mlproject', quoted, FILES).some((x) => x.code === 'yaml/tab'));
  });

  it('types scalars as YAML 1.1 (yes/no/on/off booleans, 1e-3 text, 0777 octal) where a check depends on it', () => {
    // docker_env: off is False for PyYAML: MLflow skips the docker environment, nothing to report.
    assert.ok(
      !check('mlproject', 'name: x\ndocker_env: off\nentry_points:\n  main:\n    command: "python train.py"\n', ['train.py']).some((d) =>
        d.code.startsWith('mlproject/docker'),
      ),
    );
    // A float default written 1e-3 is text to PyYAML (no dot), but Python's float() reads it: no warning.
    const e = VALID.replace('default: 0.5', 'default: 1e-3');
    assert.ok(!check('mlproject', e, FILES).some((d) => d.code === 'mlproject/invalid-default'));
    // command: 0777 is the int 511 to PyYAML: not a string.
    const octal = 'name: x\nentry_points:\n  main:\n    command: 0777\n';
    assert.match(expectOne(octal, check('mlproject', octal), 'mlproject/invalid-command', 'error', '0777').message, /must be a string, but it is a int/);
  });

  it('checks defaults: float that is not a number, uri without scheme, missing path', () => {
    const f = VALID.replace('default: 0.5', 'default: fast');
    expectOne(f, check('mlproject', f, FILES), 'mlproject/invalid-default', 'warning', 'fast');
    const u = VALID.replace('"s3://bucket/key"', 'data/local');
    const d = expectOne(u, check('mlproject', u, FILES), 'mlproject/invalid-uri-default', 'error', 'data/local');
    assert.match(d.message, /Expected URI for parameter src but got data\/local/);
    const p = expectOne(VALID, check('mlproject', VALID, ['python_env.yaml', 'train.py', 'run.sh']), 'mlproject/path-default-not-found', 'warning', 'data.csv');
    assert.match(p.message, /no such file or directory was found/);
  });

  it('warns when the script a command runs does not exist', () => {
    const d = expectOne(VALID, check('mlproject', VALID, ['python_env.yaml', 'run.sh', 'data.csv']), 'mlproject/script-not-found', 'warning', 'train.py');
    assert.match(d.message, /train\.py/);
    const module = 'entry_points:\n  main:\n    command: "python -m pkg.train"\n';
    assert.deepEqual(check('mlproject', module), []);
    const unbuffered = 'entry_points:\n  main:\n    command: "python -u src/train.py"\n';
    expectOne(unbuffered, check('mlproject', unbuffered), 'mlproject/script-not-found', 'warning', 'src/train.py');
    // With docker_env the command runs in the image's working directory: the project folder says nothing.
    const docker = 'docker_env:\n  image: my-image\nentry_points:\n  main:\n    command: "python main.py"\n';
    assert.deepEqual(check('mlproject', docker), []);
  });

  it('warns about unknown keys in an entry point, a parameter and docker_env', () => {
    const text = VALID.replace('  shell:\n    command:', '  shell:\n    comand: x\n    command:');
    const d = expectOne(text, check('mlproject', text, FILES), 'mlproject/unknown-entry-point-key', 'warning', 'comand');
    assert.equal(d.fixes, undefined); // 'command' already exists: no rename offered
    const p = VALID.replace('{type: float, default: 0.5}', '{type: float, defualt: 0.5}');
    const pd = expectOne(p, check('mlproject', p, FILES), 'mlproject/unknown-parameter-key', 'warning', 'defualt');
    assert.match(pd.message, /did you mean 'default'\? MLflow ignores it: 'alpha' has no default/);
    assert.equal(applyFix(p, pd), VALID);
    // A misspelled type that MLflow would pass as text anyway is a hint, with the same fix.
    const t = VALID.replace('{type: float, default: 0.5}', '{typ: float, default: 0.5}');
    assert.equal(applyFix(t, expectOne(t, check('mlproject', t, FILES), 'mlproject/unknown-parameter-key', 'info', 'typ')), VALID);
  });

  describe('databricks_spark_job (MLflow 3)', () => {
    const ep = 'entry_points:\n  main:\n    parameters: {n: float}\n    command: "python job.py {n}"\n';
    it('accepts python_file alone, and entry points alone', () => {
      assert.deepEqual(
        check('mlproject', 'databricks_spark_job:\n  python_file: job.py\n  parameters: ["--n", "1"]\n  python_libraries: ["scikit-learn==1.5.2"]\n', [
          'job.py',
        ]),
        [],
      );
      assert.deepEqual(check('mlproject', `databricks_spark_job:\n  python_libraries: [numpy]\n${ep}`, ['job.py']), []);
    });
    it('requires python_file or entry points, and not both', () => {
      const none = 'databricks_spark_job:\n  python_libraries: [numpy]\n';
      const d = expectOne(none, check('mlproject', none), 'mlproject/spark-job-needs-entry', 'error', 'databricks_spark_job');
      assert.match(d.message, /requires either 'databricks_spark_job.python_file' setting or 'entry_points' setting/);
      const both = `databricks_spark_job:\n  python_file: job.py\n${ep}`;
      const b = expectOne(both, check('mlproject', both, ['job.py']), 'mlproject/spark-job-file-and-entry-points', 'error', 'python_file');
      assert.equal(applyFix(both, b), 'databricks_spark_job:\n  python_file: job.py\n');
    });
    it('rejects path parameters and environment keys, and warns about non-python commands', () => {
      const p = `databricks_spark_job: {}\n${ep.replace('{n: float}', '{n: path}')}`;
      const pd = expectOne(p, check('mlproject', p, ['job.py']), 'mlproject/spark-job-path-parameter', 'error', 'n');
      assert.match(pd.message, /does not support entry point parameter of 'path' type/);
      const env = `python_env: python_env.yaml\ndatabricks_spark_job:\n  python_file: job.py\n`;
      const e = expectOne(env, check('mlproject', env, ['job.py', 'python_env.yaml']), 'mlproject/spark-job-environment', 'error', 'python_env');
      assert.match(e.message, /Databricks Spark job does not support setting python environment/);
      assert.equal(applyFix(env, e), 'databricks_spark_job:\n  python_file: job.py\n');
      const sh = `databricks_spark_job: {}\nentry_points:\n  main:\n    command: "bash run.sh"\n`;
      expectOne(sh, check('mlproject', sh, ['run.sh']), 'mlproject/spark-job-non-python-command', 'warning', '"bash run.sh"');
    });
    it('checks python_file exists and list shapes', () => {
      const t = 'databricks_spark_job:\n  python_file: job.py\n  python_libraries: numpy\n';
      expectOne(t, check('mlproject', t), 'mlproject/spark-job-file-not-found', 'warning', 'job.py');
      expectOne(t, check('mlproject', t, ['job.py']), 'mlproject/invalid-spark-job', 'error', 'numpy');
    });
  });
});
