// Links to a commit on the hosting service a run's git tags name (mlflow.source.git.repoURL /
// mlflow.source.git.commit): GitHub, GitLab, Bitbucket and Azure DevOps. Pure: no I/O.

export type GitHost = 'github' | 'gitlab' | 'bitbucket' | 'azure';

export interface GitCommitLink {
  host: GitHost;
  /** The repository's web page, without credentials. */
  repoUrl: string;
  /** The commit's web page. */
  commitUrl: string;
}

const COMMIT = /^[0-9a-f]{7,64}$/i;

/**
 * The web page of `commit` in the repository `repoUrl` (as git remotes spell it: https, ssh
 * `git@host:path`, `ssh://git@host/path`, with or without `.git`, user and password), or undefined
 * when the host is not one we know, the URL cannot be read, or the commit is not a hash.
 * Credentials in the remote are never carried into the link.
 */
export function gitCommitLink(repoUrl: string | undefined, commit: string | undefined): GitCommitLink | undefined {
  if (!repoUrl || !commit || !COMMIT.test(commit.trim())) return undefined;
  const sha = commit.trim();
  const parsed = parseRemote(repoUrl.trim());
  if (!parsed) return undefined;
  const host = parsed.host.toLowerCase();
  const segments = parsed.path.split('/').filter(Boolean);
  if (segments.length === 0) return undefined;
  const last = segments.length - 1;
  segments[last] = segments[last].replace(/\.git$/i, '');
  if (segments.some((s) => !/^[\w.~%@+-]+$/.test(s) || s === '.' || s === '..')) return undefined;

  if (host === 'github.com' || host.startsWith('github.')) {
    if (segments.length !== 2) return undefined;
    const repo = `https://${host}/${segments.join('/')}`;
    return { host: 'github', repoUrl: repo, commitUrl: `${repo}/commit/${sha}` };
  }
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) {
    // GitLab has nested groups: group/subgroup/project.
    if (segments.length < 2) return undefined;
    const repo = `https://${host}/${segments.join('/')}`;
    return { host: 'gitlab', repoUrl: repo, commitUrl: `${repo}/-/commit/${sha}` };
  }
  if (host === 'bitbucket.org') {
    if (segments.length !== 2) return undefined;
    const repo = `https://bitbucket.org/${segments.join('/')}`;
    return { host: 'bitbucket', repoUrl: repo, commitUrl: `${repo}/commits/${sha}` };
  }
  const azure = azureRepo(host, segments);
  if (azure) return { host: 'azure', repoUrl: azure, commitUrl: `${azure}/commit/${sha}` };
  return undefined;
}

/** https://dev.azure.com/{org}/{project}/_git/{repo} for the https, ssh and legacy visualstudio.com forms. */
function azureRepo(host: string, s: string[]): string | undefined {
  // https://dev.azure.com/org/project/_git/repo
  if (host === 'dev.azure.com' && s.length === 4 && s[2] === '_git') return `https://dev.azure.com/${s[0]}/${s[1]}/_git/${s[3]}`;
  // git@ssh.dev.azure.com:v3/org/project/repo
  if (host === 'ssh.dev.azure.com' && s.length === 4 && s[0] === 'v3') return `https://dev.azure.com/${s[1]}/${s[2]}/_git/${s[3]}`;
  // https://org.visualstudio.com/project/_git/repo (also .../DefaultCollection/project/_git/repo)
  const legacy = /^([\w-]+)\.visualstudio\.com$/.exec(host);
  if (legacy) {
    const rest = s[0] === 'DefaultCollection' ? s.slice(1) : s;
    if (rest.length === 3 && rest[1] === '_git') return `https://dev.azure.com/${legacy[1]}/${rest[0]}/_git/${rest[2]}`;
  }
  // org@vs-ssh.visualstudio.com:v3/org/project/repo
  if (host === 'vs-ssh.visualstudio.com' && s.length === 4 && s[0] === 'v3') return `https://dev.azure.com/${s[1]}/${s[2]}/_git/${s[3]}`;
  return undefined;
}

/** Host and path of a git remote: URL forms (https, ssh, git) and scp-like `user@host:path`. */
function parseRemote(remote: string): { host: string; path: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote)) {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(url.protocol)) return undefined;
    if (!url.hostname) return undefined;
    return { host: url.hostname, path: decodeURI(url.pathname) };
  }
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(.+)$/.exec(remote);
  if (scp) return { host: scp[1], path: scp[2] };
  return undefined;
}
