import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The repository root: MLFLOW_WB_REPO_ROOT, else the first folder above this file (compiled into
 * out/ or elsewhere with --outDir) holding this extension's package.json, else the working folder.
 */
export const repoRoot = ((): string => {
  if (process.env.MLFLOW_WB_REPO_ROOT) return path.resolve(process.env.MLFLOW_WB_REPO_ROOT);
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && /"name": "mlflow-workbench"/.test(fs.readFileSync(manifest, 'utf8'))) return dir;
  }
  return process.cwd();
})();
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
