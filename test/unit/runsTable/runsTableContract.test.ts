import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFromRunsTable, validateRunsTableState, validateToRunsTable, type Validation } from '../../../webview/contract';
import { attributeColumns, metricColumn } from '../../../src/engine/runsTable/runsTableColumns';

function rejects(validator: (v: unknown) => Validation<unknown>, value: unknown, pattern: RegExp): void {
  const result = validator(value);
  assert.equal(result.ok, false, `accepted ${JSON.stringify(value)}`);
  if (!result.ok) assert.match(result.error, pattern);
}

const row = {
  runId: 'r1',
  experimentId: '1',
  name: 'trial',
  status: 'FINISHED',
  lifecycleStage: 'active',
  startTime: 1,
  params: { lr: '0.1' },
  metrics: { loss: Number.NaN },
  tags: {},
};
const query = {
  queryId: 1,
  expression: "params.lr = '0.1'",
  columnFilters: [{ columnId: 'metrics.loss', op: '<', value: '0.3' }],
  runName: '',
  sort: [{ columnId: 'metrics.loss', descending: true }],
  starredOnly: false,
  lifecycle: 'active',
};

describe('runs table message contract', () => {
  it('accepts the webview messages the table sends', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'query', ...query },
      { type: 'page', queryId: 1, index: 3 },
      { type: 'groupBy', queryId: 1, columnId: 'params.lr' },
      { type: 'groupBy', queryId: 1 },
      { type: 'children', queryId: 1, parentRunId: 'p1' },
      { type: 'action', action: 'register', runIds: ['a'] },
      { type: 'selectAll', queryId: 1 },
      { type: 'action', action: 'compare', runIds: ['a', 'b'] },
      { type: 'star', runIds: ['a'], starred: true },
      { type: 'saveLayout', layout: { hidden: ['tags.x'], pinned: ['attributes.run_name'], widths: { 'metrics.loss': 90 }, order: [] } },
      { type: 'exportCsv', queryId: 1, columnIds: ['metrics.loss'], to: 'clipboard' },
    ]) {
      const result = validateFromRunsTable(message);
      assert.ok(result.ok, JSON.stringify(result));
    }
  });

  it('refuses malformed webview messages with the path of the mistake', () => {
    rejects(validateFromRunsTable, { type: 'query', ...query, lifecycle: 'purged' }, /query\.lifecycle must be one of/);
    rejects(
      validateFromRunsTable,
      { type: 'query', ...query, columnFilters: [{ columnId: 'metrics.loss', op: 'DROP', value: '1' }] },
      /columnFilters\[0\]\.op must be one of/,
    );
    rejects(validateFromRunsTable, { type: 'query', ...query, sort: [{ columnId: 'metrics.loss' }] }, /sort\[0\]\.descending must be a boolean/);
    rejects(validateFromRunsTable, { type: 'action', action: 'purge', runIds: [] }, /action\.action must be one of/);
    rejects(validateFromRunsTable, { type: 'action', action: 'delete', runIds: [7] }, /runIds\[0\] must be a string/);
    rejects(
      validateFromRunsTable,
      { type: 'saveLayout', layout: { hidden: [], pinned: [], widths: { x: 1 }, order: [] } },
      /widths\["x"\] must be an integer in \[16, 5000\]/,
    );
    rejects(validateFromRunsTable, { type: 'exportCsv', queryId: 1, columnIds: [], to: '/etc/passwd' }, /to must be one of/);
    rejects(validateFromRunsTable, { type: 'page', queryId: 1, index: -1 }, /index must be an integer/);
  });

  it('accepts the extension messages and refuses a bad row', () => {
    for (const message of [
      {
        type: 'init',
        connectionId: 'c',
        connectionLabel: 'Local',
        experiments: [{ id: '1', name: 'sweep' }],
        layout: { hidden: [], pinned: [], widths: {}, order: [] },
        starred: [],
        pageSize: 200,
      },
      { type: 'query', queryId: 1, filter: 'metrics.loss < 0.3', orderBy: ['metrics.loss DESC'], errors: {} },
      { type: 'columns', queryId: 1, columns: [...attributeColumns(true), metricColumn('loss')] },
      { type: 'page', queryId: 1, index: 0, rows: [row], last: false, count: { runs: 200, complete: false } },
      { type: 'page', queryId: 1, index: 0, rows: [row], last: false, count: { runs: 1, complete: false }, columns: [metricColumn('loss')] },
      { type: 'queryError', queryId: 1, message: 'INVALID_PARAMETER_VALUE: bad' },
      { type: 'rowsUpdated', rows: [row] },
      {
        type: 'groups',
        queryId: 1,
        columnId: 'params.lr',
        groups: [
          { value: '0.1', count: 1, metrics: { loss: { count: 1, min: 1, mean: 1, max: 1 } }, rows: [row] },
          { count: 0, metrics: {}, rows: [] },
        ],
        metricKeys: ['loss'],
        truncated: false,
      },
      { type: 'selection', queryId: 1, runIds: ['r1'], truncated: false },
      { type: 'children', queryId: 1, parentRunId: 'p1', rows: [{ ...row, parentRunId: 'p1' }], truncated: false },
      { type: 'invalidate' },
    ]) {
      const result = validateToRunsTable(message);
      assert.ok(result.ok, JSON.stringify(result));
    }
    rejects(
      validateToRunsTable,
      { type: 'page', queryId: 1, index: 0, rows: [{ ...row, metrics: { loss: '0.3' } }], last: true, count: { runs: 1, complete: true } },
      /rows\[0\]\.metrics\["loss"\] must be a number/,
    );
    rejects(validateToRunsTable, { type: 'columns', queryId: 1, columns: [{ ...metricColumn('x'), kind: 'dataset' }] }, /columns\[0\]\.kind must be one of/);
    rejects(
      validateToRunsTable,
      { type: 'page', queryId: 1, index: 0, rows: [], last: true, count: { runs: 0, complete: true }, columns: [{ ...metricColumn('x'), sortable: 'yes' }] },
      /columns\[0\]\.sortable/,
    );
  });

  it('restores a panel only from a state with experiments', () => {
    assert.ok(validateRunsTableState({ connectionId: 'c', experimentIds: ['1'], query: { ...query, queryId: undefined }, groupBy: 'params.lr' }).ok);
    const view = { scrollTop: 2600, selected: ['r1', 'r2'], expanded: ['p1'], openGroups: ['adam'] };
    assert.ok(validateRunsTableState({ connectionId: 'c', experimentIds: ['1'], view }).ok);
    rejects(
      validateRunsTableState,
      { connectionId: 'c', experimentIds: ['1'], view: { ...view, expanded: [1] } },
      /state\.view\.expanded\[0\] must be a string/,
    );
    rejects(validateRunsTableState, { connectionId: 'c', experimentIds: [] }, /experimentIds is empty/);
    rejects(validateRunsTableState, { connectionId: 'c' }, /experimentIds must be an array/);
  });
});
