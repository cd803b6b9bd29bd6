import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startLocalTrackingServer, trackingServerEnv } from '../../src/engine/mlflow/localTrackingServer';
import { isLive, processTable } from '../support/processTable';
import { makeTempDir, venvPython } from '../support/repoPaths';

const run = promisify(execFile);

/** What the embedded server's uvicorn worker does at start-up: import the app; prints the frozen object counts before and after. */
const IMPORT_APP = 'import gc; before = gc.get_freeze_count(); import mlflow.server.fastapi_app; print(before, gc.get_freeze_count())';

async function frozenCounts(env: NodeJS.ProcessEnv): Promise<{ before: number; after: number; stdout: string }> {
  const { stdout } = await run(venvPython, ['-c', IMPORT_APP], { env, timeout: 300_000 });
  const [before, after] = stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { before: before!, after: after!, stdout };
}

describe("the embedded tracking server's start-up (python/tracking_server/sitecustomize.py)", () => {
  const base = { ...process.env };
  delete base.PYTHONPATH;

  it('freezes the server app’s start-up objects once the app is imported, and only then', async () => {
    const env = await trackingServerEnv(base);
    assert.equal(env.MLFLOW_DISABLE_TELEMETRY, 'true');
    assert.ok(fs.existsSync(path.join(env.PYTHONPATH!.split(path.delimiter)[0]!, 'sitecustomize.py')), env.PYTHONPATH);
    const tuned = await frozenCounts(env);
    assert.equal(tuned.before, 0, 'nothing is frozen before the app is imported');
    assert.ok(tuned.after > 100_000, `the app's modules are frozen: ${tuned.after} objects`);
    // The same import without the folder on the path freezes nothing: the count above is the folder's doing.
    assert.equal((await frozenCounts(base)).after, 0);
  });

  it("keeps the user's PYTHONPATH after it, and a sitecustomize found there still runs", async () => {
    const theirs = makeTempDir('their-sitecustomize');
    fs.writeFileSync(path.join(theirs, 'sitecustomize.py'), 'print("their sitecustomize ran")\n');
    const env = await trackingServerEnv({ ...base, PYTHONPATH: theirs });
    assert.deepEqual(env.PYTHONPATH!.split(path.delimiter).slice(1), [theirs]);
    const tuned = await frozenCounts(env);
    assert.match(tuned.stdout, /^their sitecustomize ran$/m);
    assert.ok(tuned.after > 100_000, `frozen: ${tuned.after}`);
  });

  it('runs no job runner or huey consumer unless the user turns MLflow job execution on', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    assert.equal((await trackingServerEnv(base)).MLFLOW_SERVER_ENABLE_JOB_EXECUTION, 'false');
    assert.equal((await trackingServerEnv({ ...base, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'true' })).MLFLOW_SERVER_ENABLE_JOB_EXECUTION, 'true');
    const saved = process.env.MLFLOW_SERVER_ENABLE_JOB_EXECUTION;
    delete process.env.MLFLOW_SERVER_ENABLE_JOB_EXECUTION;
    const server = await startLocalTrackingServer({ python: venvPython, dataDir: makeTempDir('server-without-jobs') }).finally(() => {
      if (saved !== undefined) process.env.MLFLOW_SERVER_ENABLE_JOB_EXECUTION = saved;
    });
    try {
      // MLflow starts its job runner with the uvicorn server, before the server answers: a second
      // after /health answers, every process of the server's group is there.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const group = server.process.pid!;
      const members = [...processTable()]
        .filter(([, entry]) => entry.pgrp === group && isLive(entry))
        .flatMap(([pid]) => {
          try {
            return [fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')];
          } catch {
            return [];
          }
        });
      assert.ok(
        members.some((cmd) => cmd.includes('uvicorn')),
        members.join('\n'),
      );
      assert.deepEqual(
        members.filter((cmd) => /_job_runner|huey/.test(cmd)),
        [],
      );
      assert.ok(members.length <= 2, `the server and its uvicorn worker only:\n${members.join('\n')}`);
    } finally {
      await server.stop();
    }
  });
});
