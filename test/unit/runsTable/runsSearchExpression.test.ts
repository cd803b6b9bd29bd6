import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeColumns, metricColumn, paramColumn, tagColumn } from '../../../src/engine/runsTable/runsTableColumns';
import {
  columnFromId,
  compileColumnFilter,
  compileOrderBy,
  compileTableFilter,
  operatorsFor,
  quoteValue,
  searchIdentifier,
} from '../../../src/engine/runsTable/runsSearchExpression';

const attrs = attributeColumns(false);
const attr = (key: string) => attrs.find((c) => c.key === key)!;

function compiles(column: Parameters<typeof compileColumnFilter>[0], op: Parameters<typeof compileColumnFilter>[1]['op'], value: string): string {
  const result = compileColumnFilter(column, { columnId: column.id, op, value });
  assert.ok(result.ok, JSON.stringify(result));
  return result.expression;
}
function refuses(column: Parameters<typeof compileColumnFilter>[0], op: Parameters<typeof compileColumnFilter>[1]['op'], value: string, pattern: RegExp): void {
  const result = compileColumnFilter(column, { columnId: column.id, op, value });
  assert.equal(result.ok, false, `compiled ${JSON.stringify(result)}`);
  if (!result.ok) assert.match(result.error, pattern);
}

describe('runs table filter compiler', () => {
  it('writes metrics, params, tags and attributes in MLflow search syntax', () => {
    assert.equal(compiles(metricColumn('val_loss'), '<', '0.3'), 'metrics.val_loss < 0.3');
    assert.equal(compiles(metricColumn('val_loss'), '>=', ' 1e-4 '), 'metrics.val_loss >= 1e-4');
    assert.equal(compiles(paramColumn('lr'), '=', '0.01'), "params.lr = '0.01'");
    assert.equal(compiles(paramColumn('model'), 'contains', 'mlp'), "params.model ILIKE '%mlp%'");
    assert.equal(compiles(tagColumn('team'), '!=', 'vision'), "tags.team != 'vision'");
    assert.equal(compiles(attr('status'), '=', 'running'), "attributes.status = 'RUNNING'");
    assert.equal(compiles(attr('status'), '!=', 'failed'), "attributes.status != 'FAILED'");
    assert.equal(compiles(attr('run_name'), 'LIKE', 'trial-%'), "attributes.run_name LIKE 'trial-%'");
    assert.equal(compiles(attr('start_time'), '>=', '1700000000000'), 'attributes.start_time >= 1700000000000');
    assert.equal(compiles(attr('start_time'), '<', '2026-11-24'), `attributes.start_time < ${new Date('2026-11-24T00:00').getTime()}`);
  });

  it('quotes keys that are not plain words with backticks, as MLflow requires', () => {
    assert.equal(searchIdentifier(metricColumn('val loss')), 'metrics.`val loss`');
    assert.equal(searchIdentifier(paramColumn('model.depth')), 'params.`model.depth`');
    assert.equal(searchIdentifier(tagColumn('mlflow.source.name')), 'tags.`mlflow.source.name`');
    assert.equal(searchIdentifier(paramColumn('a`b')), 'params."a`b"');
    assert.throws(() => searchIdentifier(paramColumn('a`"b')), /backtick and a double quote/);
    assert.equal(compiles(metricColumn('val loss'), '<', '2'), 'metrics.`val loss` < 2');
  });

  it('quotes values with single quotes, double quotes when the value holds one', () => {
    assert.equal(quoteValue('adam'), "'adam'");
    assert.equal(quoteValue("it's"), '"it\'s"');
    assert.throws(() => quoteValue(`it's "x"`), /both kinds of quotes/);
    refuses(paramColumn('note'), '=', `it's "x"`, /note: .*both kinds of quotes/);
  });

  it('explains what cannot compile, naming the column', () => {
    refuses(metricColumn('rmse'), '<', 'small', /rmse: "small" is not a number/);
    refuses(metricColumn('rmse'), 'contains', '1', /rmse: "contains" does not apply; use one of </);
    refuses(paramColumn('lr'), '<', '0.1', /lr: "<" does not apply/);
    refuses(paramColumn('lr'), '=', '   ', /type a value/);
    refuses(attr('start_time'), '>', 'yesterday', /Start: "yesterday" is not a date/);
    refuses(attr('duration'), '>', '5', /cannot filter by this column/);
  });

  it('offers the operators MLflow accepts for each kind of column', () => {
    assert.deepEqual(operatorsFor(metricColumn('x')), ['<', '<=', '>', '>=', '=', '!=']);
    assert.ok(!operatorsFor(paramColumn('x')).includes('<'));
    assert.deepEqual(operatorsFor(attr('status')), ['=', '!=']);
  });

  it('joins the typed expression, the column filters, the run-name search and the starred runs with AND', () => {
    const columns = [...attrs, metricColumn('val_loss'), paramColumn('lr')];
    const { filter, errors } = compileTableFilter(columns, {
      expression: " params.optimizer = 'adam' ",
      columnFilters: [
        { columnId: 'metrics.val_loss', op: '<', value: '0.3' },
        { columnId: 'params.lr', op: '=', value: '0.01' },
        { columnId: 'metrics.val_loss', op: '>', value: 'oops' },
      ],
      runName: 'sweep',
      runIds: ['a1', 'b2'],
    });
    assert.equal(
      filter,
      "params.optimizer = 'adam' AND metrics.val_loss < 0.3 AND params.lr = '0.01' AND attributes.run_name ILIKE '%sweep%' AND attributes.run_id IN ('a1', 'b2')",
    );
    assert.deepEqual(Object.keys(errors), ['metrics.val_loss']);
    assert.equal(compileTableFilter(columns, {}).filter, '');
  });

  it("reads a parent's children with the table's filter and MLflow's parent tag", () => {
    assert.equal(
      compileTableFilter([], { expression: 'metrics.val_loss < 0.3', parentRunId: 'abc123' }).filter,
      "metrics.val_loss < 0.3 AND tags.`mlflow.parentRunId` = 'abc123'",
    );
    assert.equal(compileTableFilter([], { parentRunId: 'abc123' }).filter, "tags.`mlflow.parentRunId` = 'abc123'");
  });

  it('filters on a key not seen in the loaded runs yet by its id', () => {
    assert.equal(compileTableFilter([], { columnFilters: [{ columnId: 'metrics.new metric', op: '>', value: '1' }] }).filter, 'metrics.`new metric` > 1');
    assert.equal(columnFromId('attributes.status'), undefined);
    assert.deepEqual(compileTableFilter([], { columnFilters: [{ columnId: 'nonsense', op: '=', value: '1' }] }).errors, { nonsense: 'No column nonsense.' });
  });
});

describe('runs table order_by', () => {
  const columns = [...attrs, metricColumn('val loss'), paramColumn('lr'), tagColumn('team')];
  it('writes several keys in order, start time last as the tie-breaker', () => {
    assert.deepEqual(
      compileOrderBy(columns, [
        { columnId: 'metrics.val loss', descending: true },
        { columnId: 'params.lr', descending: false },
        { columnId: 'tags.team', descending: false },
      ]).orderBy,
      ['metrics.`val loss` DESC', 'params.lr', 'tags.team', 'attributes.start_time DESC'],
    );
    assert.deepEqual(compileOrderBy(columns, [{ columnId: 'attributes.start_time', descending: false }]).orderBy, ['attributes.start_time']);
    assert.deepEqual(compileOrderBy(columns, []).orderBy, ['attributes.start_time DESC']);
  });
  it('refuses columns the server cannot sort by', () => {
    const { orderBy, errors } = compileOrderBy(columns, [{ columnId: 'attributes.duration', descending: true }]);
    assert.deepEqual(orderBy, ['attributes.start_time DESC']);
    assert.match(errors['attributes.duration'], /Duration: the server cannot sort by this column/);
  });
});
