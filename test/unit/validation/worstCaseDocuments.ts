// Pathological documents of a given size (issue #15, item 2): each once froze the validator.
// Shared by the linearity property test and the validation benchmark.
import type { ValidatedFileKind } from '../../../src/engine/validation/validateFile';

export interface WorstCase {
  name: string;
  kind: ValidatedFileKind;
  /** A document of about `size` characters. */
  make(size: number): string;
}

const rep = (unit: string, size: number): string => unit.repeat(Math.max(1, Math.ceil(size / unit.length)));
const lines = (size: number, line: (i: number) => string): string => {
  const out: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const l = line(i);
    out.push(l);
    length += l.length + 1;
  }
  return out.join('\n') + '\n';
};

export const WORST_CASES: WorstCase[] = [
  {
    // Was 19.7 s at 50 KB: a quadratic float regex.
    name: 'float_default_digits',
    kind: 'mlproject',
    make: (size) => `name: x\nentry_points:\n  main:\n    parameters:\n      a: {type: float, default: "${rep('1', size)}x"}\n    command: "python t.py {a}"\n`,
  },
  {
    // Was 21.7 s at 50 KB: a lazy regex with trailing \s* reading conda_env.
    name: 'conda_env_spaces',
    kind: 'mlproject',
    make: (size) => `name: x\nconda_env: a${rep(' ', size)}b\nentry_points:\n  main:\n    command: "python t.py"\n`,
  },
  {
    // Was over 120 s at 40,000 keys: a list scan of the map for every unknown key.
    name: 'unknown_top_level_keys',
    kind: 'mlproject',
    make: (size) => lines(size, (i) => `key_${i}: value`),
  },
  {
    // Was 34.7 s at 20,000 keys.
    name: 'duplicate_keys',
    kind: 'mlproject',
    make: (size) => lines(size, () => 'unknown_key: 1'),
  },
  {
    // Was 2.2 GB of memory at 5 MB.
    name: 'one_line_flow_map',
    kind: 'mlproject',
    make: (size) => {
      const parts: string[] = [];
      let length = 2;
      for (let i = 0; length < size; i++) {
        const p = `k${i}: v${i}`;
        parts.push(p);
        length += p.length + 2;
      }
      return `{${parts.join(', ')}}\n`;
    },
  },
  {
    name: 'many_blank_lines_then_key',
    kind: 'conda',
    make: (size) => `name: x\n${rep('\n', size)}dependencies:\n  - python=3.11\n`,
  },
  {
    name: 'command_placeholders',
    kind: 'mlproject',
    make: (size) => `name: x\nentry_points:\n  main:\n    command: "python t.py ${rep('{a:{b:{c', size)}"\n`,
  },
  {
    name: 'spark_version_parts',
    kind: 'cluster',
    make: (size) => `{"spark_version": "15.4.x${rep('-aarch64-photon', size)}-x", "node_type_id": "i3.xlarge", "num_workers": 1}`,
  },
  {
    name: 'wheel_placeholder_brackets',
    kind: 'cluster',
    make: (size) =>
      `{"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}, "libraries": [{"whl": "${rep('<{{__A_', size)}"}]}`,
  },
  {
    name: 'deep_flow_nesting',
    kind: 'mlproject',
    make: (size) => `name: ${rep('[', size / 2)}${rep(']', size / 2)}\n`,
  },
];
