import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCliCommand, type CliCommand, type CliIo } from '../../../src/cli/cliCommand';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t + '\n'), err: (t: string) => void (io.stderr += t + '\n') };
  return io;
}

const seen: string[][] = [];
const commands: CliCommand[] = [
  { name: 'runs list', summary: 'List runs.', usage: 'runs list', run: async (args) => (seen.push(args), 0) },
  { name: 'validate', summary: 'Validate.', usage: 'validate [paths...]', run: async (args) => (seen.push(args), args.length) },
];

describe('cli dispatch', () => {
  it('routes two-word commands and passes the remaining arguments', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'list', '--experiment', 'x'], io), 0);
    assert.deepEqual(seen.at(-1), ['--experiment', 'x']);
  });

  it('returns the command exit code', async () => {
    assert.equal(await runCliCommand(commands, ['validate', 'a', 'b'], capture()), 2);
  });

  it('names an unknown command and lists the known ones', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['frobnicate'], io), 2);
    assert.match(io.stderr, /unknown command 'frobnicate'/);
    assert.match(io.stderr, /runs list/);
  });

  it('prints usage for --help without running the command', async () => {
    const before = seen.length;
    const io = capture();
    assert.equal(await runCliCommand(commands, ['validate', '--help'], io), 0);
    assert.match(io.stdout, /Usage: mlflow-wb validate \[paths\.\.\.\]/);
    assert.equal(seen.length, before);
  });
});
