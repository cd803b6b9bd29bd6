import { execFileSync } from 'node:child_process';
import { copyFixture } from './repoPaths';

/**
 * A copy of fixture `name` made a git checkout of one commit on `branch` (with `origin` at
 * `remoteUrl` when given): a project launched from a feature branch, whose experiment, wheel folder
 * and run tags are named after its branch, commit and remote.
 */
export function fixtureCheckout(name: string, branch: string, remoteUrl?: string): { dir: string; commit: string } {
  const dir = copyFixture(name);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', branch);
  if (remoteUrl) git('remote', 'add', 'origin', remoteUrl);
  git('add', '.');
  git('commit', '-q', '-m', 'fixture');
  return { dir, commit: git('rev-parse', 'HEAD') };
}
