import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, from out/test/support (compiled) or test/support (sources). */
export const repoRoot = path.resolve(__dirname, '..', '..', fs.existsSync(path.join(__dirname, '..', '..', 'package.json')) ? '' : '..');
export const venvPython = path.join(repoRoot, '.venv', 'bin', 'python');
export const testResultsDir = path.join(repoRoot, 'test-results');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

/** A fresh temporary folder for one test; removed by the OS's tmp cleaning, or by the caller. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlflow-wb-${prefix}-`));
}

/** Copies a fixture folder (test/fixtures/<name>) to a fresh temp folder and returns its path. */
export function copyFixture(name: string): string {
  const target = path.join(makeTempDir(name), name);
  fs.cpSync(path.join(fixturesDir, name), target, { recursive: true });
  return target;
}
