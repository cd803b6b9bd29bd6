import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyFixture, makeTempDir, repoRoot } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('the packaged .vsix', () => {
  let workbench: Workbench;
  let vsix: string;
  before(async () => {
    // Package a copy of the repo so the production build does not replace the dist/ other tests use.
    const copy = path.join(makeTempDir('vsix'), 'ext');
    fs.mkdirSync(copy);
    for (const entry of [
      'package.json',
      'package-lock.json',
      'README.md',
      'LICENSE',
      '.vscodeignore',
      'src',
      'media',
      'scripts',
      'webview',
      'templates',
      'python',
    ]) {
      if (fs.existsSync(path.join(repoRoot, entry))) fs.cpSync(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));
    const result = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: copy, encoding: 'utf8', timeout: 180_000 });
    assert.equal(result.status, 0, `npm run package failed:\n${result.stdout}\n${result.stderr}`);
    const size = /mlflow-workbench-[\d.]+\.vsix: ([\d.]+) KiB/.exec(result.stdout);
    assert.ok(size, `package did not print the .vsix size:\n${result.stdout}`);
    vsix = fs
      .readdirSync(copy)
      .filter((f) => f.endsWith('.vsix'))
      .map((f) => path.join(copy, f))[0]!;
    workbench = await Workbench.open({ workspace: copyFixture('example-project'), vsixPath: vsix });
  });
  after(() => workbench?.close());

  it('installs into code-server and activates (its command runs and its views appear)', async () => {
    await workbench.openViewContainer('MLflow');
    await workbench.viewHeader('Runs').waitFor({ timeout: 30_000 });
    await workbench.runCommand('MLflow: Show Output');
    assert.equal(await workbench.activeOutputChannel(), 'MLflow');
    await workbench.screenshot('vsix-installed');
  });
});
