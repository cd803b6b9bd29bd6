import { spawn } from 'node:child_process';
import { venvPython } from './repoPaths';

/** Runs the project venv's Python with `args`; resolves with the last line it printed, rejects with its stderr tail. */
export function runVenvPython(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out.trim().split('\n').at(-1) ?? '')
        : reject(new Error(`python ${args[0] === '-c' ? '-c …' : args.join(' ')} failed (${code}):\n${err.slice(-3000)}`)),
    );
  });
}
