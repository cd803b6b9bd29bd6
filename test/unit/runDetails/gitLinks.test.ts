import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gitCommitLink } from '../../../src/engine/runDetails/gitLinks';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('gitCommitLink', () => {
  it('GitHub: https, ssh, scp-like, with .git, credentials dropped', () => {
    for (const remote of [
      'https://github.com/acme/churn',
      'https://github.com/acme/churn.git',
      'https://x-access-token:ghp_secret@github.com/acme/churn.git',
      'git@github.com:acme/churn.git',
      'ssh://git@github.com/acme/churn.git',
      'https://github.com/acme/churn/',
    ]) {
      const link = gitCommitLink(remote, SHA);
      assert.deepEqual(link, { host: 'github', repoUrl: 'https://github.com/acme/churn', commitUrl: `https://github.com/acme/churn/commit/${SHA}` }, remote);
    }
    assert.equal(gitCommitLink('https://github.example.com/acme/churn.git', 'abc1234')?.commitUrl, 'https://github.example.com/acme/churn/commit/abc1234');
  });

  it('GitLab, nested groups included', () => {
    assert.equal(gitCommitLink('git@gitlab.com:team/ml/churn.git', SHA)?.commitUrl, `https://gitlab.com/team/ml/churn/-/commit/${SHA}`);
    assert.equal(gitCommitLink('https://gitlab.example.org/a/b', 'abcdef1')?.commitUrl, 'https://gitlab.example.org/a/b/-/commit/abcdef1');
  });

  it('Bitbucket', () => {
    assert.equal(gitCommitLink('https://jane@bitbucket.org/acme/churn.git', SHA)?.commitUrl, `https://bitbucket.org/acme/churn/commits/${SHA}`);
    assert.equal(gitCommitLink('git@bitbucket.org:acme/churn.git', SHA)?.host, 'bitbucket');
  });

  it('Azure DevOps: https, ssh and visualstudio.com forms all point at dev.azure.com', () => {
    const expected = `https://dev.azure.com/contoso/ml/_git/churn/commit/${SHA}`;
    for (const remote of [
      'https://contoso@dev.azure.com/contoso/ml/_git/churn',
      'git@ssh.dev.azure.com:v3/contoso/ml/churn',
      'https://contoso.visualstudio.com/ml/_git/churn',
      'https://contoso.visualstudio.com/DefaultCollection/ml/_git/churn',
      'contoso@vs-ssh.visualstudio.com:v3/contoso/ml/churn',
    ]) {
      assert.equal(gitCommitLink(remote, SHA)?.commitUrl, expected, remote);
    }
  });

  it('no link for unknown hosts, bad commits, odd paths or schemes', () => {
    assert.equal(gitCommitLink('https://git.internal.example/acme/churn.git', SHA), undefined);
    assert.equal(gitCommitLink('/home/me/churn', SHA), undefined);
    assert.equal(gitCommitLink('file:///home/me/churn', SHA), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/churn', 'main'), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/churn', 'abc'), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/churn', `${SHA}"><script>`), undefined);
    assert.equal(gitCommitLink('https://github.com/acme', SHA), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/churn/tree/main', SHA), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/..', SHA), undefined);
    assert.equal(gitCommitLink('javascript:alert(1)//github.com/a/b', SHA), undefined);
    assert.equal(gitCommitLink(undefined, SHA), undefined);
    assert.equal(gitCommitLink('https://github.com/acme/churn', undefined), undefined);
  });
});
