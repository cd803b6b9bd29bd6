// A Node process that owns supervised process groups, for processCleanup.test.ts: it starts an
// embedded tracking server, a local model server (MODEL_DIR) and a local `mlflow run` against that
// server, prints "READY <pgid> <pgid> <pgid>", then waits to be killed, or crashes on SIGUSR2.
import { launchLocal } from '../../src/engine/launching/localLauncher';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { startModelServer } from '../../src/engine/serving/localModelServer';
import { copyFixture, makeTempDir, venvPython } from './repoPaths';

async function main(): Promise<void> {
  const tracking = await startLocalTrackingServer({ python: venvPython, dataDir: makeTempDir('owner-tracking'), startTimeoutMs: 500_000 });
  const model = await startModelServer({ python: venvPython, modelUri: process.env.MODEL_DIR!, envManager: 'local', startTimeoutMs: 500_000 });
  let output = '';
  const runGroup = new Promise<number>((resolve) => {
    launchLocal(
      { projectDir: copyFixture('launch-project'), entryPoint: 'sleep', parameters: { seconds: '600' }, experimentName: 'owner', trackingUri: tracking.url },
      { python: venvPython, envManager: 'local' },
      {
        onOutput: (text) => {
          output += text;
          const pgid = /pgid=(\d+)/.exec(output)?.[1];
          if (pgid) resolve(Number(pgid));
        },
      },
    );
  });
  process.stdout.write(`READY ${tracking.process.pid} ${model.process.pid} ${await runGroup}\n`);
  // SIGUSR2 makes the owner crash (an uncaught exception), once the test has seen its groups alive.
  process.on('SIGUSR2', () =>
    setImmediate(() => {
      throw new Error('the owner crashed');
    }),
  );
  setInterval(() => undefined, 60_000);
}

void main().catch((err: unknown) => {
  process.stderr.write(`owner failed: ${String(err)}\n`);
  process.exit(3);
});
