// Every rule is linear in the size of the document (issue #15, item 2): validating a document 4x as
// large takes at most about 4x as long. A quadratic rule takes 16x, so the bound below (12x plus a
// fixed allowance, best of three runs) holds on a loaded machine and still catches one.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clearValidationCache, MAX_DIAGNOSTICS, MAX_VALIDATED_LENGTH, validateText, type ValidatedFileKind } from '../../../src/engine/validation/validateFile';
import { WORST_CASES } from './worstCaseDocuments';

const ctx = { filePath: '/p/MLproject', fileExists: (p: string) => p.length % 2 === 0 };

function bestOf(kind: ValidatedFileKind, text: string, runs = 5): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    clearValidationCache();
    const t = performance.now();
    validateText(kind, text, ctx);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function assertLinear(kind: ValidatedFileKind, make: (size: number) => string, size: number, label: string): void {
  const small = make(size);
  const large = make(size * 4);
  bestOf(kind, small); // warm up the code paths this document takes
  // On a machine shared with other work one measurement can be unlucky: a linear rule passes on one
  // of three tries, a quadratic one (16x) fails all of them.
  let report = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const tSmall = bestOf(kind, small);
    const tLarge = bestOf(kind, large);
    const bound = 12 * tSmall + 40;
    if (tLarge <= bound) return;
    report += ` try ${attempt + 1}: ${large.length} chars took ${tLarge.toFixed(1)} ms, ${small.length} chars ${tSmall.toFixed(1)} ms (bound ${bound.toFixed(1)} ms);`;
  }
  assert.fail(`${label}:${report}`);
}

const TOKENS = [
  '\n',
  ' ',
  '  ',
  ':',
  ': ',
  '- ',
  '-',
  '{',
  '}',
  '[',
  ']',
  ', ',
  '"',
  "'",
  '#',
  ' #',
  '\t',
  'a',
  'x1',
  '1',
  '1.5',
  '1e3',
  '.',
  '\\',
  '_',
  '__',
  '<',
  '>',
  '${',
  '{{',
  '}}',
  'python ',
  'train.py',
  ';',
  'key',
  'name: ',
  'entry_points:\n',
  '  main:\n',
  '    command: ',
  'parameters:',
  'type: float',
  'default: ',
  'conda_env: ',
  'dbfs:/',
  'spark_version',
  '"new_cluster": {',
  '"whl": "',
  'yes',
  '0777',
];
const KINDS: ValidatedFileKind[] = ['mlproject', 'conda', 'python_env', 'cluster'];
const PREFIX: Record<ValidatedFileKind, string> = {
  mlproject: 'name: x\nentry_points:\n  main:\n    parameters:\n      a: {type: float, default: 1}\n    command: "python t.py {a} ',
  conda: 'name: x\ndependencies:\n  - pip:\n    - ',
  python_env: 'python: "3.11"\ndependencies:\n  - ',
  cluster: '{"new_cluster": {"spark_version": "',
};

describe('validation is linear in the size of the document', () => {
  for (const c of WORST_CASES) {
    it(`worst case ${c.name}`, () => assertLinear(c.kind, c.make, 16 * 1024, c.name));
  }

  it('random large documents: 4x the size takes at most ~4x the time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 8 }), fc.boolean(), (kind, unit, inLine) => {
        const body = unit.join('');
        // Either the unit repeats on one line (long scalars, flow collections) or line after line.
        const make = (size: number) => PREFIX[kind] + (inLine ? body.replaceAll('\n', ' ') : body).repeat(Math.ceil(size / Math.max(1, body.length)));
        assertLinear(kind, make, 8 * 1024, `${kind} ${JSON.stringify(body)}${inLine ? ' on one line' : ''}`);
      }),
      { numRuns: 25 },
    );
  });
});

describe('validation budget', () => {
  it('a file beyond the size budget gets one diagnostic saying it was not checked', () => {
    const text = `name: x\n#${'x'.repeat(MAX_VALIDATED_LENGTH)}\n`;
    const diags = validateText('mlproject', text, ctx);
    assert.deepEqual(
      diags.map((d) => [d.code, d.severity]),
      [['validation/too-large', 'info']],
    );
    assert.match(diags[0].message, /Not checked/);
  });

  it('lists at most MAX_DIAGNOSTICS problems, then says how many more there are', () => {
    const text = Array.from({ length: MAX_DIAGNOSTICS + 250 }, (_, i) => `key_${i}: 1`).join('\n');
    const diags = validateText('mlproject', text, ctx);
    assert.equal(diags.length, MAX_DIAGNOSTICS + 1);
    const last = diags.at(-1)!;
    assert.equal(last.code, 'validation/too-many-problems');
    assert.match(last.message, /\b250 more\b/);
  });

  it('deep nesting is reported as not checked instead of an internal error', () => {
    const text = `name: ${'['.repeat(60_000)}${']'.repeat(60_000)}\n`;
    const diags = validateText('mlproject', text, ctx);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].code, 'validation/too-deep');
  });

  it('quotes long user text in messages clipped', () => {
    const text = `name: x\nentry_points:\n  main:\n    parameters:\n      a: {type: float, default: "${'1'.repeat(50_000)}x"}\n    command: "python t.py {a}"\n`;
    const d = validateText('mlproject', text, ctx).find((x) => x.code === 'mlproject/invalid-default');
    assert.ok(d && d.message.length < 300, d?.message.slice(0, 400));
  });
});
