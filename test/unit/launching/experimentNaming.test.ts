import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { branchExperimentName, sanitizeNameSegment } from '../../../src/engine/launching/experimentNaming';
import { makeTempDir } from '../../support/repoPaths';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

test('branchExperimentName uses the MLproject name and the sanitised branch; detached HEAD gives the short sha', async () => {
  const dir = makeTempDir('launch-naming');
  fs.writeFileSync(path.join(dir, 'MLproject'), 'name: my project\nentry_points:\n  main:\n    command: "python t.py"\n');
  git(dir, 'init', '-q', '-b', 'feature/new+thing');
  assert.equal(await branchExperimentName('${projectName}/${branch}', dir), 'my-project/feature-new+thing', 'unborn branch still named');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'x');
  assert.equal(
    await branchExperimentName('/Users/{user}/${projectName}/${branch}', dir, { user: 'a.b@example.com' }),
    '/Users/a.b@example.com/my-project/feature-new+thing',
  );
  const sha = git(dir, 'rev-parse', '--short', 'HEAD');
  git(dir, 'checkout', '-q', '--detach');
  assert.equal(await branchExperimentName('${branch}', dir), sha);
  await assert.rejects(branchExperimentName('${nope}', dir), /may use \$\{projectName\}, \$\{branch\} and \$\{user\}/);
  await assert.rejects(branchExperimentName('/Users/${user}/x', dir), /no user name is known/);
});

test('branchExperimentName outside git says so', async () => {
  const dir = makeTempDir('launch-nogit');
  await assert.rejects(branchExperimentName('${branch}', dir), /not in a git repository/);
});

test('sanitizeNameSegment', () => {
  assert.equal(sanitizeNameSegment('feat/a b;$(x)'), 'feat-a-b-x');
  assert.equal(sanitizeNameSegment('///'), 'unnamed');
  assert.equal(sanitizeNameSegment('release-1.2'), 'release-1.2');
});
