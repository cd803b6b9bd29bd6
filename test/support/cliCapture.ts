import { runCliCommand, type CliCommand, type CliIo } from '../../src/cli/cliCommand';

/** Runs CLI commands in-process, capturing what they print, for tests of `mlflow-wb` sub-commands. */
export async function runCliCaptured(commands: CliCommand[], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') };
  const code = await runCliCommand(commands, args, io);
  return { code, stdout, stderr };
}
