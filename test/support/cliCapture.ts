import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runCliCommand, type CliCommand, type CliIo } from '../../src/cli/cliCommand';
import { makeTempDir, repoRoot } from './repoPaths';

/** Runs CLI commands in-process, capturing what they print, for tests of `mlflow-wb` sub-commands. */
export async function runCliCaptured(commands: CliCommand[], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') };
  const code = await runCliCommand(commands, args, io);
  return { code, stdout, stderr };
}

/**
 * Runs the built CLI (dist/cli.js) in a process of its own with only PATH, a fresh HOME (so the
 * person's ~/.databrickscfg and ~/.mlflow/credentials stay out of the test) and `env`.
 */
export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: makeTempDir('cli-home'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
