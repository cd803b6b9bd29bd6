import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitUntil } from '../../support/waitUntil';

describe("waitUntil (the tests' one wait)", () => {
  it('resolves with the first value the check returns that is not false, null or undefined', async () => {
    let calls = 0;
    const value = await waitUntil('the third call', () => (++calls === 3 ? { calls } : calls === 1 ? null : false), { timeoutMs: 5_000, intervalMs: 1 });
    assert.deepEqual(value, { calls: 3 });
    assert.equal(await waitUntil('zero counts as a value', () => 0, { timeoutMs: 1_000 }), 0);
  });

  it('treats a throwing check as "not yet" and reports its last error, the last state and what it waited for', async () => {
    let calls = 0;
    assert.equal(
      await waitUntil(
        'an assertion holds',
        () => {
          assert.equal(++calls, 2);
          return 'held';
        },
        { timeoutMs: 5_000, intervalMs: 1 },
      ),
      'held',
    );
    await assert.rejects(
      waitUntil('the rows are sorted', () => assert.deepEqual([2, 1], [1, 2]), { timeoutMs: 30, intervalMs: 5, lastState: async () => 'rows 2, 1' }),
      (err: Error) => /^timed out after 30 ms waiting until the rows are sorted\nlast state: rows 2, 1\nlast check failed: /.test(err.message),
    );
    await assert.rejects(
      waitUntil('never', () => false, { timeoutMs: 20, intervalMs: 5 }),
      /^Error: timed out after 20 ms waiting until never$/,
    );
  });
});
