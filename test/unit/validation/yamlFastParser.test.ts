import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseBlockSubset } from '../../../src/engine/validation/yamlFastParser';
import { pyyamlTabError } from '../../../src/engine/validation/yamlTabs';
import { parseYamlWithLibrary, type YNode } from '../../../src/engine/validation/yamlTree';

const FUZZ_SEED = process.env.MLFLOW_WB_FUZZ_SEED ? Number(process.env.MLFLOW_WB_FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);

/** The tree in a comparable form: values, styles, scalar and flow ranges, block starts. */
function shape(n: YNode | null): unknown {
  if (!n) return null;
  if (n.kind === 'scalar') return { v: n.value, s: n.style, r: [n.start, n.end] };
  const r = n.flow ? [n.start, n.end] : [n.start];
  if (n.kind === 'seq') return { seq: n.items.map(shape), r };
  return { map: n.items.map((p) => [shape(p.key), shape(p.value)]), r };
}

/** The fast parser either gives up or agrees exactly with the yaml package (and never accepts an error). */
function agrees(text: string): boolean {
  const fast = parseBlockSubset(text);
  if (fast === undefined) return false;
  const lib = parseYamlWithLibrary(text);
  assert.deepEqual(lib.errors, [], `fast parser accepted a text with errors: ${JSON.stringify(text)}`);
  assert.deepEqual(shape(fast), shape(lib.root), JSON.stringify(text));
  return true;
}

const SAMPLES = [
  `name: demo  # comment
python_env: python_env.yaml

entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      l1: {type: "float", default: -1.5e-3}
      name: string
      flags: [a, "b c", 'd''e', 1, 2.5, yes, no, ~, null, on]
    command: "python train.py --alpha {alpha} \\"q\\" \\u00e9 {{x}}"
  other:
    command: python x.py # trailing
docker_env:
  image: python:3.11
  environment:
  - HOME
  - [A, "1"]
  - - nested
list:
  - a: 1
    b: 2
  -
  - key: v
    sub:
      - x
empty:
"quoted key": 1
'single': 2
url: http://example.com:8080/x
time: 12:30
octal: 0755
date: 2024-01-02
`,
];

describe('fast YAML parser', () => {
  it('agrees with the yaml package on a realistic document (or gives up on the parts outside its subset)', () => {
    for (const s of SAMPLES) {
      // Each line removed in turn exercises many shapes; the full text has parts outside the subset.
      const lines = s.split('\n');
      let accepted = 0;
      for (let i = 0; i < lines.length; i++) if (agrees(lines.filter((_, j) => j !== i).join('\n'))) accepted++;
      for (const part of s.split('\n\n')) agrees(part);
      assert.ok(accepted >= 0);
    }
    assert.ok(agrees('name: demo\nentry_points:\n  main:\n    command: "python a.py {x}"\n    parameters: {x: float}\n'));
    assert.ok(agrees('dependencies:\n  - python=3.11\n  - pip:\n      - mlflow\n'));
    assert.ok(agrees('name: x\r\nentry_points:\r\n  main:\r\n    command: "python a.py"  # c\r\n    parameters: {a: 1}\r\n'));
  });

  it('gives up on anchors, tags, block scalars, multi-line values and documents markers', () => {
    for (const t of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: [1,\n  2]\n',
      'a: b\n  c\n',
      '---\na: 1\n',
      'a:\n\t- x\n',
      'a: "x\n  y"\n',
      '? a\n: b\n',
    ]) {
      assert.equal(parseBlockSubset(t), undefined, t);
    }
  });

  it('agrees with the yaml package on past counterexamples of the property test below', () => {
    for (const t of [
      // A lone CR (a line break to YAML) after a nested sequence entry.
      'default:\n  - []\n  - null\n  - - \r#\n\n',
      // A tab on an otherwise blank line after an empty value: an indentation error to the library.
      'default:  \n\t',
      'a:\n\t\nb: 1\n',
      // "-" at the end of a line is a sequence indicator, not a plain scalar.
      '"1": "     "\ndefault: -\né:\n    x-y: -1000000000\n    name: ""\n',
      'a b:  -\r\nx-y: (\n',
      // Likewise "?" (explicit key) and "-" before a flow indicator.
      'a: ?\n',
      '- ?\n',
      '? x: 1\n',
      'a: [-]\n',
      'a: [?]\n',
    ]) {
      agrees(t);
    }
  });

  it('agrees with the yaml package on thousands of generated and mutated documents', () => {
    const key = fc.constantFrom('name', 'command', 'parameters', 'type', 'default', 'a b', 'x-y', 'on', 'n', '1', 'k:v', 'é');
    const scalar = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        'yes',
        'No',
        'y',
        'n',
        '~',
        '0755',
        '1_000',
        '12:30',
        '2024-01-02',
        '.inf',
        '1e3',
        'a: b',
        'a #b',
        '#c',
        '- x',
        '"q"',
        "'s'",
        '{x}',
        '[y]',
        'python a.py {x}',
        'http://h:1/x',
      ),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ maxDepth: 4 }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 3 })),
    })).node;
    const styles = fc.record({ flowLevel: fc.constantFrom(-1, 1, 2, 3), indentSeq: fc.boolean(), indent: fc.constantFrom(2, 4) });
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }),
        styles,
        fc.array(
          fc.record({
            at: fc.nat(),
            del: fc.nat({ max: 3 }),
            ins: fc.constantFrom('', ' ', '\n', '\r\n', ':', '- ', '#', '"', "'", '{', '[', ',', '  ', '\t', '&a ', '|'),
          }),
          { maxLength: 2 },
        ),
        (doc, st, muts) => {
          let text = stringify(doc, { flowCollectionPadding: false, ...st, lineWidth: 0 });
          if (agrees(text)) accepted++;
          for (const m of muts) {
            const at = m.at % (text.length + 1);
            text = text.slice(0, at) + m.ins + text.slice(at + m.del);
            agrees(text);
          }
        },
      ),
      // Reproducible but still exploring: MLFLOW_WB_FUZZ_SEED=<seed> replays a run, otherwise the seed
      // is random and fast-check reports it (with the counterexample and its path) on failure.
      { numRuns: 2500, seed: FUZZ_SEED },
    );
    // The subset must cover most real-looking documents, or the fast path is pointless.
    assert.ok(accepted > 1000, `fast path accepted only ${accepted} of 2500 generated documents (seed ${FUZZ_SEED})`);
  });
});

describe('fast YAML parser coverage of real files', () => {
  it('takes the fast path for every well-formed fixture MLproject and env file', () => {
    const root = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full);
        else if (/^mlproject$|\.ya?ml$/i.test(e.name)) files.push(full);
      }
    };
    walk(root);
    assert.ok(files.length >= 20);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      // Well-formed for MLflow: YAML 1.2 reads it, and PyYAML too (no tab outside quotes and comments).
      if (parseYamlWithLibrary(text).errors.length > 0 || pyyamlTabError(text) !== undefined) continue;
      assert.ok(agrees(text), `fast path gave up on ${path.relative(root, f)}`);
    }
  });
});
