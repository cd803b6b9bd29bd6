import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricExpressionError, parseMetricExpression } from '../../../src/engine/compare/metricExpression';

describe("metric expressions (a chart's y axis over metrics)", () => {
  const values: Record<string, number> = { val_loss: 0.5, train_loss: 0.2, 'val/loss': 0.7, 'eval.loss': 3, acc: 0.9 };
  const of = (text: string) => parseMetricExpression(text).evaluate((k) => values[k]);

  it('evaluates arithmetic over metric names, with the usual precedence', () => {
    assert.ok(Math.abs(of('val_loss - train_loss') - 0.3) < 1e-12);
    assert.equal(of('2 + 3 * 4 ** 2'), 50);
    assert.equal(of('-(acc - 1) * 10').toFixed(6), '1.000000');
    assert.equal(of('"val/loss" / eval.loss').toFixed(6), (0.7 / 3).toFixed(6));
    assert.equal(of('max(val_loss, train_loss, 0.6)'), 0.6);
    assert.equal(of('log10(100) + abs(-1) + sqrt(4)'), 5);
    assert.deepEqual(parseMetricExpression(' val_loss - train_loss / val_loss ').metrics, ['val_loss', 'train_loss']);
    // A metric a run lacks: no value (a gap in the chart), not a made-up 0.
    assert.ok(Number.isNaN(of('missing + 1')));
  });

  it('refuses anything but numbers, metrics, arithmetic and the listed functions, saying what', () => {
    const refused: [string, RegExp][] = [
      ['', /empty/],
      ['val_loss -', /Expected expression after - at character/],
      ['a ^ 2', /Use \*\* for a power/],
      ['a & b', /operator & is not allowed/],
      ['constructor.constructor("alert(1)")()', /constructor is not a function here|not a function here/],
      ['eval("1")', /eval is not a function here/],
      ['a[0]', /Only dotted metric names/],
      ['this', /ThisExpression is not allowed/],
      ['a, b', /One expression only/],
      ['true + 1', /not a number or a metric name/],
      ['max(a)', /max takes 2 to 16 arguments, not 1/],
      ['x'.repeat(501), /longer than 500/],
    ];
    for (const [text, pattern] of refused) {
      assert.throws(
        () => parseMetricExpression(text),
        (err: unknown) => err instanceof MetricExpressionError && pattern.test(err.message),
        text.slice(0, 40),
      );
    }
  });
});
