import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount, formatValue } from '../../../webview/shared/formatValue';

describe('webview number formatting', () => {
  it('formatCount groups thousands with commas', () => {
    assert.deepEqual([0, 7, 999, 1000, 12_345, 100_000, 1_234_567, 9_007_199_254_740_991, -4_500].map(formatCount), [
      '0',
      '7',
      '999',
      '1,000',
      '12,345',
      '100,000',
      '1,234,567',
      '9,007,199,254,740,991',
      '-4,500',
    ]);
  });
  it('formatValue keeps integers, rounds others to 6 significant digits, names NaN and infinities', () => {
    assert.deepEqual([42, 0.123456789, 1e-7, NaN, -Infinity, undefined].map(formatValue), ['42', '0.123457', '1.0000e-7', 'NaN', '−∞', '']);
  });
});
