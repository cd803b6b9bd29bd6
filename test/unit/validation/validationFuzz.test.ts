import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { validateText, type ValidatedFileKind } from '../../../src/engine/validation/validateFile';

const SEEDS: Record<ValidatedFileKind, string> = {
  mlproject: `name: demo
python_env: python_env.yaml
docker_env:
  image: python:3.11
  volumes: ["/a:/a"]
  environment: [HOME, [A, "1"]]
databricks_spark_job:
  python_file: job.py
  python_libraries: [numpy]
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      data: {type: path, default: data.csv}
      name: string
    command: "python train.py --alpha {alpha} --data {data} {name} \${HOME} {{x}}"
  other:
    command: bash run.sh
`,
  conda: `name: demo
channels: [conda-forge]
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow==3.1.0
      - -r requirements.txt
      - "{{wheel}}"
`,
  python_env: `python: "3.11"
build_dependencies: [pip]
dependencies:
  - mlflow
  - -r requirements.txt
`,
  cluster: `{"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "autoscale": {"min_workers": 1, "max_workers": 2},
 "init_scripts": [{"volumes": {"destination": "/Volumes/a"}}]}, "libraries": [{"whl": "dbfs:/a.whl"}, {"pypi": {"package": "x"}}], "existing_cluster_id": "x"}`,
};

const KINDS: ValidatedFileKind[] = ['mlproject', 'conda', 'python_env', 'cluster'];
const ALPHABET = [
  '\n',
  ' ',
  '  ',
  ':',
  '-',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '#',
  '|',
  '>',
  '&',
  '*',
  '!',
  '?',
  '%',
  '@',
  '`',
  '\t',
  'a',
  'x',
  '1',
  '.',
  '\\',
  '\r\n',
  'é',
  '😀',
  'entry_points',
  'command',
  'parameters',
  'type',
  'default',
  'conda_env',
  'python_env',
  'docker_env',
  'image',
  'new_cluster',
  'num_workers',
  'python',
  'pip',
];

function checkInvariant(kind: ValidatedFileKind, text: string): void {
  const diags = validateText(kind, text, { filePath: '/p/MLproject', fileExists: (p) => p.length % 2 === 0 });
  for (const d of diags) {
    assert.notEqual(d.code, 'internal/validator-error', `${d.message}\n--- ${kind} text:\n${JSON.stringify(text)}`);
    assert.ok(
      d.range.start >= 0 && d.range.start <= d.range.end && d.range.end <= text.length,
      `${d.code} range ${JSON.stringify(d.range)} outside ${text.length}`,
    );
    assert.ok(d.message.length > 0);
    for (const f of d.fixes ?? []) for (const e of f.edits) assert.ok(e.range.start >= 0 && e.range.start <= e.range.end && e.range.end <= text.length);
  }
}

const mutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 6 }), insert: fc.array(fc.constantFrom(...ALPHABET), { maxLength: 4 }) });

describe('validation fuzz (never throws, ranges inside the document)', () => {
  it('survives random mutations of valid documents', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.array(mutation, { minLength: 1, maxLength: 5 }), (kind, muts) => {
        let text = SEEDS[kind];
        for (const m of muts) {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + m.insert.join('') + text.slice(at + m.del);
        }
        checkInvariant(kind, text);
      }),
      { numRuns: 2000 },
    );
  });

  it('survives random token soup', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }), (kind, tokens) =>
        checkInvariant(kind, tokens.join('')),
      ),
      { numRuns: 1500 },
    );
  });

  it('survives random structured MLprojects and cluster specs', () => {
    const scalar = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('{x}', '${HOME}', 'python a.py {p}', 'float', 'path', 'uri', 'main'),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4 },
        scalar,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('command', 'parameters', 'type', 'default', 'image', 'volumes', 'environment', 'python_file', 'x', 'p'), tie('node'), {
          maxKeys: 3,
        }),
      ),
    })).node;
    const doc = fc.dictionary(
      fc.constantFrom(
        'name',
        'entry_points',
        'conda_env',
        'python_env',
        'docker_env',
        'databricks_spark_job',
        'enrty_points',
        'new_cluster',
        'num_workers',
        'autoscale',
        'libraries',
        'dependencies',
      ),
      value,
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(doc, fc.constantFrom(...KINDS), (obj, kind) => {
        checkInvariant(kind, kind === 'cluster' ? JSON.stringify(obj, null, 1) : stringify(obj));
      }),
      { numRuns: 1500 },
    );
  });
});
