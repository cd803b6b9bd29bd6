import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { downsample, extremesOf, type SeriesPoint } from '../../../src/engine/compare/downsample';

const series = (values: number[]): SeriesPoint[] => values.map((value, step) => ({ step, timestamp: 1000 + step, value }));

describe('downsample', () => {
  it('returns a copy of small series unchanged', () => {
    const s = series([3, 1, 2]);
    const out = downsample(s, 10);
    assert.deepEqual(out, s);
    assert.notEqual(out, s);
  });

  it('keeps first, last, a lone spike and the global minimum in 10,000 points cut to 100', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50));
    values[4321] = 40;
    values[777] = -12;
    const out = downsample(series(values), 100);
    assert.ok(out.length <= 100, `${out.length} points`);
    assert.equal(out[0].step, 0);
    assert.equal(out.at(-1)!.step, 9999);
    assert.ok(out.some((p) => p.step === 4321 && p.value === 40));
    assert.ok(out.some((p) => p.step === 777 && p.value === -12));
  });

  it('skips NaN when picking extremes but keeps the order of steps', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? NaN : i));
    const out = downsample(series(values), 50);
    for (let i = 1; i < out.length; i++) assert.ok(out[i].step > out[i - 1].step);
    assert.deepEqual(extremesOf(out), extremesOf(series(values)));
  });

  it('property: bounded size, first/last kept, global finite extremes kept, steps increasing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), fc.constant(NaN)), { minLength: 0, maxLength: 600 }),
        fc.integer({ min: 2, max: 200 }),
        (values, max) => {
          const input = series(values);
          const out = downsample(input, max);
          assert.ok(out.length <= Math.max(max, 2));
          if (input.length === 0) return assert.equal(out.length, 0);
          assert.equal(out[0], input[0]);
          assert.equal(out.at(-1), input.at(-1));
          for (let i = 1; i < out.length; i++) assert.ok(out[i].step > out[i - 1].step);
          if (max >= 4) {
            const all = extremesOf(input);
            const kept = extremesOf(out);
            assert.equal(kept.min, all.min);
            assert.equal(kept.max, all.max);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
