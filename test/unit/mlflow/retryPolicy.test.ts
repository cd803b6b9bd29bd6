import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, isRetryableStatus, parseRetryAfter, sleep } from '../../../src/engine/mlflow/retryPolicy';

describe('retry policy', () => {
  it('reads Retry-After as seconds', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    assert.equal(parseRetryAfter(['1.5']), 1500);
  });

  it('reads Retry-After as an HTTP date, relative to now, never negative', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
  });

  it('ignores absent or unreadable Retry-After', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-3'), undefined);
  });

  it('doubles the backoff each attempt, with jitter in the upper half, capped', () => {
    assert.equal(
      backoffDelayMs(0, 500, 20_000, () => 0),
      250,
    );
    assert.equal(
      backoffDelayMs(0, 500, 20_000, () => 1),
      500,
    );
    assert.equal(
      backoffDelayMs(3, 500, 20_000, () => 0),
      2000,
    );
    assert.equal(
      backoffDelayMs(3, 500, 20_000, () => 1),
      4000,
    );
    assert.equal(
      backoffDelayMs(30, 500, 20_000, () => 1),
      20_000,
    );
    for (let i = 0; i < 50; i++) {
      const d = backoffDelayMs(2, 100, 10_000);
      assert.ok(d >= 200 && d <= 400, `delay ${d} out of [200, 400]`);
    }
  });

  it('retries 429 and 5xx but not 501 or 4xx', () => {
    assert.ok(isRetryableStatus(429));
    assert.ok(isRetryableStatus(500));
    assert.ok(isRetryableStatus(503));
    assert.ok(!isRetryableStatus(501));
    assert.ok(!isRetryableStatus(400));
    assert.ok(!isRetryableStatus(404));
  });

  it('stops sleeping when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(sleep(10_000, controller.signal));
    assert.ok(Date.now() - started < 2000);
  });
});
