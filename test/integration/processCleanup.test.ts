// Servers and runs never outlive the process that started them: an owner process starts an embedded
// tracking server (which forks uvicorn, a job runner and huey consumers), a model server and a
// local `mlflow run`, then ends by SIGTERM, SIGINT, a crash or SIGKILL; no process of any of their
// groups may be left.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { processGroupAlive } from '../../src/engine/process/processGroup';
import { makeTempDir, repoRoot } from '../support/repoPaths';
import { runVenvPython } from '../support/venvPythonRun';
import { waitUntil } from '../support/waitUntil';

const SAVE_MODEL = `
import sys, mlflow.pyfunc
class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input
mlflow.pyfunc.save_model(sys.argv[1], python_model=Echo())
`;

describe('process groups end with their owner', { timeout: 1_200_000 }, () => {
  let modelDir: string;

  before(async () => {
    modelDir = path.join(makeTempDir('echo-model'), 'model');
    await runVenvPython(['-c', SAVE_MODEL, modelDir]);
  });

  for (const end of ['SIGTERM', 'SIGINT', 'crash', 'SIGKILL'] as const) {
    it(`tracking server, model server and mlflow run are gone after the owner's ${end}`, async () => {
      const owner = spawn(process.execPath, [path.join(repoRoot, 'out', 'test', 'support', 'processOwner.js')], {
        env: { ...process.env, MODEL_DIR: modelDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      owner.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      owner.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const ownerExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        owner.once('exit', (code, signal) => resolve({ code, signal })),
      );
      try {
        await waitUntil('the owner has started everything', () => /READY \d+ \d+ \d+/.test(stdout) || owner.exitCode !== null, {
          timeoutMs: 600_000,
          intervalMs: 200,
        });
        const groups = /READY (\d+) (\d+) (\d+)/.exec(stdout)?.slice(1).map(Number);
        assert.ok(groups, `the owner failed: ${stderr}`);
        for (const pgid of groups) assert.ok(processGroupAlive(pgid), `group ${pgid} runs before the owner ends`);
        owner.kill(end === 'crash' ? 'SIGUSR2' : end);
        const exit = await ownerExit;
        if (end === 'crash') assert.equal(exit.code, 1, stderr);
        else assert.equal(exit.signal, end, 'the owner dies of the signal, as without the supervisor');
        // SIGKILL leaves it to the watchdog: it notices within a second, then SIGTERM, 3 s, SIGKILL.
        await waitUntil(`no process of groups ${groups.join(', ')} is left`, () => groups.every((g) => !processGroupAlive(g)), {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
      } finally {
        if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
      }
    });
  }
});
