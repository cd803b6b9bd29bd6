import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredParameters, isInCommandPlaceholder, yamlContextAt } from '../../../src/engine/editing/yamlCursorContext';

/** The text with the cursor mark `‸` removed, and the offset where it stood. */
function at(marked: string): [string, number] {
  const offset = marked.indexOf('‸');
  return [marked.slice(0, offset) + marked.slice(offset + 1), offset];
}

const project = `name: demo
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      data_path: path
    command: "python train.py --alpha {alpha}"
  evaluate:
    command: python evaluate.py
`;

describe('yamlContextAt', () => {
  it('knows a new key at the top level', () => {
    const ctx = yamlContextAt(...at('name: x\nco‸\n'));
    assert.deepEqual(ctx.path, []);
    assert.equal(ctx.inKey, true);
  });

  it('knows a key typed inside an entry point', () => {
    const ctx = yamlContextAt(...at('entry_points:\n  main:\n    ‸\n'));
    assert.deepEqual(ctx.path, ['entry_points', 'main']);
    assert.equal(ctx.inKey, true);
  });

  it('knows the value of type inside a flow mapping parameter', () => {
    const ctx = yamlContextAt(...at('entry_points:\n  main:\n    parameters:\n      alpha: {type: fl‸}\n'));
    assert.deepEqual(ctx.path, ['entry_points', 'main', 'parameters', 'alpha']);
    assert.equal(ctx.valueKey, 'type');
  });

  it('knows a key position inside a flow mapping', () => {
    const ctx = yamlContextAt(...at('entry_points:\n  main:\n    parameters:\n      alpha: {type: float, ‸}\n'));
    assert.equal(ctx.inKey, true);
    assert.deepEqual(ctx.path, ['entry_points', 'main', 'parameters', 'alpha']);
  });

  it('finds the key under the cursor for hover', () => {
    const [text] = at(project + '‸');
    const offset = text.indexOf('parameters') + 3;
    const ctx = yamlContextAt(text, offset);
    assert.equal(ctx.keyUnderCursor, 'parameters');
    assert.deepEqual(ctx.path, ['entry_points', 'main']);
  });

  it('sees a {placeholder} being typed in a command, also on block scalar lines', () => {
    assert.equal(isInCommandPlaceholder(yamlContextAt(...at('entry_points:\n  main:\n    command: "python t.py {al‸'))), true);
    assert.equal(isInCommandPlaceholder(yamlContextAt(...at('entry_points:\n  main:\n    command: |\n      python t.py {‸'))), true);
    assert.equal(isInCommandPlaceholder(yamlContextAt(...at('entry_points:\n  main:\n    command: "python t.py {alpha} ‸'))), false);
  });
});

describe('declaredParameters', () => {
  it('lists the parameters of one entry point only', () => {
    assert.deepEqual(declaredParameters(project, 'main'), ['alpha', 'data_path']);
    assert.deepEqual(declaredParameters(project, 'evaluate'), []);
  });
});
