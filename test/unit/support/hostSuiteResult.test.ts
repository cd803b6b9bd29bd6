import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCounts, parseCounts } from '../../vscode/host/hostSuiteResult';

describe('host suite counts (extension host → runHostSuite)', () => {
  it('reads back the last counts line of the host log among the reporter output', () => {
    const first = { passed: 1, failed: 1, pending: 0, total: 2 };
    const last = { passed: 5, failed: 0, pending: 0, total: 5 };
    const lines = ['  suite', '    ✔ a test', formatCounts(first), '  5 passing (2s)', formatCounts(last)];
    assert.deepEqual(parseCounts(lines), last);
  });

  it('says when the host logged no counts (it never finished)', () => {
    assert.equal(parseCounts(['  5 passing (2s)', 'MLFLOW_WB_HOST_SUITE_RESULT_NOT {}']), undefined);
  });
});
