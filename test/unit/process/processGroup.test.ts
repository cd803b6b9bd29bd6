import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpOk, liveProcessGroups, processGroupAlive, startProcessGroup, waitUntilReady } from '../../../src/engine/process/processGroup';

describe('process groups', { skip: process.platform === 'win32' }, () => {
  it('stop() ends the leader and the children it started, even those that ignore SIGTERM', async () => {
    // The leader starts a child that ignores SIGTERM, then waits.
    const group = startProcessGroup('/bin/sh', ['-c', 'sh -c \'trap "" TERM; echo child-ready; while :; do sleep 1; done\' & wait']);
    await new Promise<void>((resolve) => group.child.stdout!.on('data', (c: Buffer) => c.toString().includes('child-ready') && resolve()));
    assert.ok(processGroupAlive(group.pid!));
    assert.ok(liveProcessGroups().includes(group.pid!));
    const t0 = Date.now();
    await group.stop(500);
    assert.equal(processGroupAlive(group.pid!), false, 'nothing of the group is left');
    assert.ok(Date.now() - t0 < 5000, 'SIGKILL follows the grace period');
    assert.ok(!liveProcessGroups().includes(group.pid!));
    assert.ok(group.exitInfo(), 'the leader was reaped');
  });

  it('waitUntilReady reports an exit, a program that cannot start, and a time-out (stopping the group)', async () => {
    const exits = startProcessGroup('/bin/sh', ['-c', 'exit 3']);
    assert.equal(await waitUntilReady(exits, async () => false, { timeoutMs: 10_000, intervalMs: 20 }), 'exited');
    assert.equal(exits.exitInfo()?.code, 3);
    const missing = startProcessGroup('/no/such/program', []);
    assert.equal(await waitUntilReady(missing, async () => false, { timeoutMs: 10_000, intervalMs: 20 }), 'spawn-error');
    assert.match(String(missing.spawnError()), /ENOENT/);
    const slow = startProcessGroup('/bin/sh', ['-c', 'sleep 30']);
    assert.equal(await waitUntilReady(slow, () => httpOk('http://127.0.0.1:9/health', 100), { timeoutMs: 300, intervalMs: 20 }), 'timeout');
    assert.equal(processGroupAlive(slow.pid!), false);
    let probes = 0;
    const ready = startProcessGroup('/bin/sh', ['-c', 'sleep 30']);
    assert.equal(await waitUntilReady(ready, async () => ++probes === 3, { timeoutMs: 10_000, intervalMs: 10 }), 'ready');
    await ready.stop();
  });
});
