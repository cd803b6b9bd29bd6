import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestIndex, compareRuns } from '../../../src/engine/compare/compareRuns';
import { comparisonToCsv, csvField } from '../../../src/engine/compare/comparisonCsv';
import { guessHigherIsBetter } from '../../../src/engine/compare/metricDirection';
import type { MlflowRun } from '../../../src/engine/mlflow/mlflowTypes';

function run(id: string, params: Record<string, string>, metrics: Record<string, number | [number, number][]>, tags: Record<string, string> = {}): MlflowRun {
  return {
    info: { run_id: id, run_name: `name-${id}`, experiment_id: '7', status: 'FINISHED', lifecycle_stage: 'active', start_time: 1000 },
    data: {
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(metrics).flatMap(([key, v]) =>
        Array.isArray(v) ? v.map(([step, value]) => ({ key, value, step, timestamp: 1000 + step })) : [{ key, value: v, step: 0, timestamp: 1000 }],
      ),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    },
  };
}

describe('compareRuns', () => {
  const runs = [
    run('a', { alpha: '0.1', model: 'en', seed: '1' }, { rmse: 0.5, accuracy: 0.8 }, { team: 'x' }),
    run('b', { alpha: '0.5', model: 'en', seed: '1' }, { rmse: 0.3, accuracy: 0.9 }, { team: 'x' }),
    run('c', { alpha: '0.9', model: 'en' }, { rmse: 0.4, accuracy: 0.7 }, { team: 'x', 'mlflow.runName': 'c' }),
  ];

  it('lines params up per key, one value per run in run order, missing as undefined', () => {
    const c = compareRuns(runs);
    assert.deepEqual(
      c.params.map((p) => [p.key, p.values, p.differs]),
      [
        ['alpha', ['0.1', '0.5', '0.9'], true],
        ['seed', ['1', '1', undefined], true],
        ['model', ['en', 'en', 'en'], false],
      ],
    );
    assert.deepEqual(
      c.runs.map((r) => r.name),
      ['name-a', 'name-b', 'name-c'],
    );
  });

  it('puts differing rows first, alphabetical within each group', () => {
    const c = compareRuns([run('a', { z: '1', y: '1', b: '1', a: '2' }, {}), run('b', { z: '2', y: '1', b: '1', a: '3' }, {})]);
    assert.deepEqual(
      c.params.map((p) => p.key),
      ['a', 'z', 'b', 'y'],
    );
  });

  it('marks the best run per metric from its direction, and flips with an override', () => {
    const c = compareRuns(runs);
    const rmse = c.metrics.find((m) => m.key === 'rmse')!;
    const acc = c.metrics.find((m) => m.key === 'accuracy')!;
    assert.equal(rmse.higherIsBetter, false);
    assert.equal(rmse.best, 1);
    assert.equal(acc.higherIsBetter, true);
    assert.equal(acc.best, 1);
    const flipped = compareRuns(runs, { higherIsBetter: { rmse: true } }).metrics.find((m) => m.key === 'rmse')!;
    assert.equal(flipped.higherIsBetter, true);
    assert.equal(flipped.best, 0);
  });

  it('takes the latest value by step, not the first logged', () => {
    const c = compareRuns([
      run(
        'a',
        {},
        {
          loss: [
            [2, 0.2],
            [0, 1],
            [1, 0.5],
          ],
        },
      ),
      run('b', {}, { loss: [[0, 0.3]] }),
    ]);
    assert.deepEqual(c.metrics[0].latest, [0.2, 0.3]);
    assert.equal(c.metrics[0].best, 0);
  });

  it('hides MLflow JSON/noise tags and fills min/max when histories are known', () => {
    const extremes = new Map([['a', new Map([['rmse', { min: 0.1, max: 2 }]])]]);
    const c = compareRuns(runs, { extremes });
    assert.deepEqual(
      c.tags.map((t) => t.key),
      ['team'],
    );
    const rmse = c.metrics.find((m) => m.key === 'rmse')!;
    assert.deepEqual(rmse.min, [0.1, undefined, undefined]);
    assert.deepEqual(rmse.max, [2, undefined, undefined]);
  });

  it('bestIndex: no best with fewer than two finite values or all equal; NaN ignored; ties go first', () => {
    assert.equal(bestIndex([undefined, 3], true), -1);
    assert.equal(bestIndex([2, 2, 2], true), -1);
    assert.equal(bestIndex([NaN, 1, 2], false), 1);
    assert.equal(bestIndex([5, 1, 5], true), 0);
    assert.equal(bestIndex([Infinity, 1, 2], true), 2);
  });
});

describe('guessHigherIsBetter', () => {
  it('reads errors as lower and scores as higher, from the last meaningful name part', () => {
    for (const name of ['loss', 'val_loss', 'train/loss', 'rmse', 'test_mae', 'mse', 'error_rate', 'valError', 'log_loss'])
      assert.equal(guessHigherIsBetter(name), false, name);
    for (const name of ['accuracy', 'val_acc', 'auc', 'f1', 'f1_macro', 'precision', 'recall', 'r2', 'r2_score', 'valAccuracy', 'top5_accuracy'])
      assert.equal(guessHigherIsBetter(name), true, name);
  });
});

describe('comparisonToCsv', () => {
  it('writes one row per key, quotes what needs quoting, and disarms formulas', () => {
    const c = compareRuns([run('a', { note: 'a,b', f: '=1+1' }, { rmse: 0.5 }), run('b', { note: 'say "hi"' }, { rmse: NaN })]);
    const csv = comparisonToCsv(c, 'params');
    assert.equal(csv, 'key,name-a (a),name-b (b)\r\nf,\'=1+1,\r\nnote,"a,b","say ""hi"""\r\n');
    assert.equal(comparisonToCsv(c, 'metrics'), 'key,name-a (a),name-b (b)\r\nrmse,0.5,NaN\r\n');
    const all = comparisonToCsv(c, 'all').split('\r\n');
    assert.equal(all[0], 'section,key,stat,name-a (a),name-b (b)');
    assert.ok(all.includes('metrics,rmse,latest,0.5,NaN'));
    assert.equal(csvField('-0.5'), '-0.5');
    assert.equal(csvField('-cmd'), "'-cmd");
  });

  it('neutralises every OWASP formula lead, keeping plain negative numbers as numbers', () => {
    for (const n of ['-0.5', '-3', '-1e-5', '-2.5E+10', '-.5', '-Infinity', '0.5', '12']) assert.equal(csvField(n), n);
    assert.equal(csvField('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
    assert.equal(csvField('-1+1'), "'-1+1");
    assert.equal(csvField('-A1'), "'-A1");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\t=1'), "'\t=1");
    assert.equal(csvField('\r=1'), '"\'\r=1"');
    assert.equal(csvField('a=1'), 'a=1');
  });
});
