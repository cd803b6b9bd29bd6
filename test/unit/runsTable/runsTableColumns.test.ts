import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MlflowRun } from '../../../src/engine/mlflow/mlflowTypes';
import { groupRuns } from '../../../src/engine/runsTable/runGroups';
import {
  attributeColumns,
  cellValue,
  ColumnDiscovery,
  metricColumn,
  moveColumn,
  paramColumn,
  runDurationMs,
  shiftColumn,
  toRow,
  visibleColumns,
} from '../../../src/engine/runsTable/runsTableColumns';
import { runsTableToCsv } from '../../../src/engine/runsTable/runsTableCsv';
import { FIRST_COLUMN_IDS } from '../../support/runsTableColumnIds';

function run(
  id: string,
  o: {
    params?: Record<string, string>;
    metrics?: Record<string, number>;
    tags?: Record<string, string>;
    status?: MlflowRun['info']['status'];
    start?: number;
    end?: number;
    experiment?: string;
  } = {},
): MlflowRun {
  return {
    info: {
      run_id: id,
      run_name: `name-${id}`,
      experiment_id: o.experiment ?? '1',
      status: o.status ?? 'FINISHED',
      start_time: o.start ?? 1000,
      end_time: o.end,
      lifecycle_stage: 'active',
      user_id: 'ana',
    },
    data: {
      params: Object.entries(o.params ?? {}).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(o.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
      tags: Object.entries(o.tags ?? {}).map(([key, value]) => ({ key, value })),
    },
  };
}

describe('runs table column model', () => {
  it("shows the columns in the user's order, pinned first, hidden ones left out; new keys follow", () => {
    const columns = [...attributeColumns(false).slice(0, 3), metricColumn('loss'), paramColumn('lr'), paramColumn('new')];
    const ids = (layout: { hidden: string[]; pinned: string[]; order: string[] }) => visibleColumns(columns, layout).map((c) => c.id);
    assert.deepEqual(ids({ hidden: [], pinned: [], order: [] }), [
      'attributes.run_name',
      'attributes.status',
      'attributes.start_time',
      'metrics.loss',
      'params.lr',
      'params.new',
    ]);
    assert.deepEqual(
      ids({ hidden: ['attributes.status'], pinned: ['params.lr'], order: ['metrics.loss', 'attributes.run_name', 'params.lr', 'attributes.start_time'] }),
      ['params.lr', 'metrics.loss', 'attributes.run_name', 'attributes.start_time', 'params.new'],
    );
  });

  it('moves a column by drag (before or after the column it is dropped on) and by keyboard', () => {
    const order = ['a', 'b', 'c', 'd'];
    assert.deepEqual(moveColumn(order, 'd', 'b'), ['a', 'd', 'b', 'c']);
    assert.deepEqual(moveColumn(order, 'a', 'c', true), ['b', 'c', 'a', 'd']);
    assert.deepEqual(moveColumn(order, 'a', 'd', true), ['b', 'c', 'd', 'a']);
    assert.deepEqual(moveColumn(order, 'a', 'a'), order);
    assert.deepEqual(moveColumn(order, 'x', 'a'), order);
    assert.deepEqual(shiftColumn(order, 'b', 1), ['a', 'c', 'b', 'd']);
    assert.deepEqual(shiftColumn(order, 'b', -1), ['b', 'a', 'c', 'd']);
    assert.deepEqual(shiftColumn(order, 'a', -1), order);
    assert.deepEqual(shiftColumn(order, 'd', 1), order);
  });

  it('starts with the fixed columns, then metrics, params and tags seen in any run, sorted', () => {
    const discovery = new ColumnDiscovery();
    assert.equal(
      discovery.add([
        toRow(run('a', { params: { lr: '0.1' }, metrics: { rmse: 1 }, tags: { team: 'x', 'mlflow.source.name': 'train.py', 'mlflow.user': 'ana' } })),
      ]),
      true,
    );
    assert.equal(discovery.add([toRow(run('b', { params: { depth: '3', lr: '0.2' }, metrics: { acc: 0.5 } }))]), true);
    assert.equal(discovery.add([toRow(run('c', { params: { lr: '0.3' } }))]), false, 'no new key');
    assert.deepEqual(
      discovery.columns(false).map((c) => c.id),
      [...FIRST_COLUMN_IDS, 'metrics.acc', 'metrics.rmse', 'params.depth', 'params.lr', 'tags.team'],
    );
    const several = discovery.columns(true).map((c) => c.id);
    assert.equal(several[1], 'attributes.experiment');
    assert.equal(discovery.columns(true).find((c) => c.id === 'attributes.duration')!.sortable, false);
  });

  it('flattens a run into a row: latest metrics as numbers, system tags only for source and commit, the parent', () => {
    const row = toRow(
      run('a', {
        metrics: { loss: Number('NaN') },
        tags: { 'mlflow.parentRunId': 'p', 'mlflow.source.git.commit': 'abc', 'mlflow.log-model.history': '[]', team: 't' },
      }),
    );
    assert.equal(row.parentRunId, 'p');
    assert.deepEqual(row.tags, { 'mlflow.source.git.commit': 'abc', team: 't' });
    assert.ok(Number.isNaN(row.metrics.loss));
    assert.equal(cellValue(row, metricColumn('missing')), undefined);
    assert.equal(
      cellValue(
        row,
        { id: 'attributes.experiment', kind: 'attribute', key: 'experiment', label: 'Experiment', type: 'text', sortable: false, filterable: false },
        { '1': 'sweep' },
      ),
      'sweep',
    );
  });

  it('counts a running run up to now, a finished one to its end', () => {
    assert.equal(runDurationMs({ startTime: 1000, endTime: 4000, status: 'FINISHED' }), 3000);
    assert.equal(runDurationMs({ startTime: 1000, status: 'RUNNING' }, 1500), 500);
    assert.equal(runDurationMs({ startTime: 1000, status: 'FAILED' }), undefined);
  });

  it('groups by a param with the count and min/mean/max of each metric, runs without the param last', () => {
    const rows = [
      run('a', { params: { lr: '0.1' }, metrics: { loss: 1 } }),
      run('b', { params: { lr: '0.2' }, metrics: { loss: 4 } }),
      run('c', { params: { lr: '0.1' }, metrics: { loss: 3, acc: Number.NaN } }),
      run('d', { metrics: { loss: 9 } }),
    ].map(toRow);
    const groups = groupRuns(rows, paramColumn('lr'), ['loss', 'acc'], 1);
    assert.deepEqual(
      groups.map((g) => [g.value, g.count, g.rows.map((r) => r.runId)]),
      [
        ['0.1', 2, ['a']],
        ['0.2', 1, ['b']],
        [undefined, 1, ['d']],
      ],
    );
    assert.deepEqual(groups[0].metrics, { loss: { count: 2, min: 1, mean: 2, max: 3 }, acc: { count: 1 } });
  });

  it('exports CSV with the compare panel cell neutralisation', () => {
    const rows = [
      toRow(
        run('a', { params: { cmd: '=HYPERLINK("x")', note: 'a,b' }, metrics: { loss: 0.25 }, start: Date.UTC(2026, 0, 2), end: Date.UTC(2026, 0, 2) + 1500 }),
      ),
    ];
    const csv = runsTableToCsv(
      [
        paramColumn('cmd'),
        paramColumn('note'),
        metricColumn('loss'),
        { id: 'attributes.start_time', kind: 'attribute', key: 'start_time', label: 'Start', type: 'time', sortable: true, filterable: true },
        { id: 'attributes.duration', kind: 'attribute', key: 'duration', label: 'Duration', type: 'duration', sortable: false, filterable: false },
      ],
      rows,
    );
    assert.equal(
      csv,
      'run_id,params.cmd,params.note,metrics.loss,attributes.start_time,attributes.duration\r\na,"\'=HYPERLINK(""x"")","a,b",0.25,2026-01-02T00:00:00.000Z,1.5\r\n',
    );
  });
});
