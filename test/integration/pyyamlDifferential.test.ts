// YAML 1.1 as MLflow reads it (issue #19): the validator's reading of tabs and plain scalars is
// compared with PyYAML itself (the venv's, the one MLflow uses) on generated documents.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolvePlain } from '../../src/engine/validation/yamlScalars';
import { pyyamlTabError } from '../../src/engine/validation/yamlTabs';
import { venvPython } from '../support/repoPaths';

/** Loads each document with PyYAML: the tab error's offset, 'ok' with the value, or another error. */
const PYYAML = `
import json, sys, yaml, datetime
out = []
for doc in json.load(sys.stdin):
    try:
        v = yaml.safe_load(doc)
        def enc(x):
            if isinstance(x, bool): return ["bool", x]
            if isinstance(x, int): return ["int", str(x)]
            if isinstance(x, float): return ["float", repr(x)]
            if x is None: return ["null", None]
            if isinstance(x, (datetime.date, datetime.datetime)): return ["date", None]
            if isinstance(x, str): return ["str", x]
            return ["other", None]
        out.append({"ok": enc(v.get("v")) if isinstance(v, dict) else None})
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        tab = "found character '\\\\t' that cannot start any token" in str(e) or (mark is not None and doc[mark.index:mark.index + 1] == "\\t")
        out.append({"tab": mark.index if tab and mark is not None else None, "error": str(e).splitlines()[0]})
print(json.dumps(out))
`;

function pyyaml(docs: string[]): { ok?: [string, unknown] | null; tab?: number | null; error?: string }[] {
  const r = spawnSync(venvPython, ['-c', PYYAML], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const VALUES = ['x', 'name', "it's", '"a\tb"', "'c\td'", 'a b', '1', '"q"', '[a, b]', '{k: v}', 'yes', '1.5', '# c\t', '|\n    l\tx\n    y', '>-\n    f\tz'];
// Well-formed block documents (a map of keys, each holding a value or a list of values) with tabs
// after values, in comments, in quoted and block scalars, plus one tab inserted anywhere.
const entry = fc.record({
  nested: fc.constantFrom('', '', '  - ', '  - k: '),
  value: fc.constantFrom(...VALUES),
  tail: fc.constantFrom('', '', ' ', ' # note', '\t', ' \t', '\t# c'),
});
const line = entry.map((e) => ({ ...e, indent: '', lead: '' }));

function ourReading(text: string): number | undefined {
  return pyyamlTabError(text);
}

describe('YAML 1.1 as PyYAML reads it (differential against the venv PyYAML)', () => {
  it('reports a tab exactly where PyYAML stops on it, and no tab error where PyYAML reads the document', () => {
    const docs = fc.sample(
      fc.tuple(fc.array(line, { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean()).map(([lines, at, insertTab]) => {
        const text =
          lines
            .map((l, k) => {
              const value = l.nested ? l.value.replaceAll('\n    ', '\n' + ' '.repeat(l.nested.length + 2)) : l.value;
              return l.nested ? `key${k}:\n${l.nested}${value}${l.tail}` : `key${k}: ${value}${l.tail}`;
            })
            .join('\n') + '\n';
        if (!insertTab) return text;
        const p = at % (text.length + 1);
        return text.slice(0, p) + '\t' + text.slice(p);
      }),
      { numRuns: 600, seed: 19 },
    );
    const theirs = pyyaml(docs);
    let compared = 0;
    let tabErrors = 0;
    docs.forEach((doc, i) => {
      const t = theirs[i];
      const ours = ourReading(doc);
      if (t.tab !== undefined && t.tab !== null) {
        tabErrors++;
        assert.equal(ours, t.tab, `PyYAML stops on the tab at ${t.tab}, we say ${ours}: ${JSON.stringify(doc)}`);
        compared++;
      } else if (t.error === undefined) {
        assert.equal(ours, undefined, `PyYAML reads it, we report a tab at ${ours}: ${JSON.stringify(doc)}`);
        compared++;
      }
    });
    assert.ok(compared > 300 && tabErrors > 50, `too few comparable documents: ${compared}, tab errors ${tabErrors}`);
  });

  it('types plain scalars as PyYAML does (yes/on booleans, 1e-3 text, 0777 octal, sexagesimal, underscores)', () => {
    const pieces = ['0', '1', '7', '8', '9', '_', '.', 'e', 'E', '-', '+', ':', 'x', 'b', 'o', 'inf', 'nan', '5'];
    const generated = fc.sample(
      fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 7 }).map((a) => a.join('')),
      { numRuns: 1500, seed: 1 },
    );
    const fixed = [
      'yes',
      'No',
      'ON',
      'off',
      'y',
      'n',
      'true',
      '~',
      'null',
      '1e-3',
      '1.0e-3',
      '1.0e3',
      '1e3',
      '0777',
      '09',
      '0o17',
      '0x1F',
      '0b101',
      '1_000',
      '1:30',
      '-1:30.5',
      '.5',
      '+1',
      '.inf',
      '-.Inf',
      '.NaN',
      '2001-01-01',
      '3.10',
      '3.0',
    ];
    const scalars = [...new Set([...fixed, ...generated])].filter((s) => !/^[-?:]( |$)|^[-?:]$/.test(s));
    const theirs = pyyaml(scalars.map((s) => `v: ${s}\n`));
    let compared = 0;
    scalars.forEach((s, i) => {
      const t = theirs[i];
      if (!t.ok) return;
      const [type, value] = t.ok;
      const ours = resolvePlain(s);
      if (type === 'date') return assert.equal(typeof ours, 'string', s);
      compared++;
      if (type === 'bool') assert.equal(ours, value, s);
      else if (type === 'null') assert.equal(ours, null, s);
      else if (type === 'str') assert.equal(ours, value, s);
      else if (type === 'int') assert.equal(ours, Number(value), s);
      else if (type === 'float')
        assert.ok(
          typeof ours === 'number' &&
            (Object.is(ours, Number(String(value).replace('inf', 'Infinity'))) || (Number.isNaN(ours) && value === 'nan') || ours === Number(value)),
          `${s}: PyYAML ${value}, ours ${String(ours)}`,
        );
    });
    assert.ok(compared > 500, `compared ${compared}`);
  });
});
