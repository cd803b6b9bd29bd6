import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Which signed URLs a workspace may send us to. A Databricks workspace answers
// credentials-for-read with a URL of its cloud storage (S3, ADLS, GCS), which the product then GETs
// with only the headers that came with it. The workspace is trusted to say *which file*, not to
// point this machine at anything it likes, so a signed URL is fetched only when:
//   - it is https, with no user name or password in it;
//   - its host is a public address: not loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
//     link-local (169.254/16 with the clouds' metadata service, fe80::/10), CGNAT, multicast,
//     unspecified or reserved, whether written as an IP or a name that resolves to one;
//   - the one exception is the Databricks emulator of the tests: a workspace that is itself on
//     loopback (http://127.0.0.1:<port>) may hand out http or https URLs on loopback, and only there;
//   - redirects are not followed (a storage redirect would reach a host nobody checked).
// The workspace's token never goes with it (see signedRequestHeaders). A name is resolved once
// here before the request; DNS answers that change between this check and the connection are not
// covered (the URL comes from the signed-in workspace, which is what this guards against).

/** A signed URL the policy refuses. */
export class SignedUrlRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignedUrlRefusedError';
  }
}

// Node's BlockList checks an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 rules.
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

/** True for addresses this machine must not be sent to by a server (loopback, private, link-local…). */
export function isInternalAddress(address: string): boolean {
  const host = bareHost(address);
  const family = isIP(host);
  if (family === 0) return false;
  return internal.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

function isLoopbackAddress(address: string): boolean {
  const host = bareHost(address).toLowerCase();
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** True when the workspace itself runs on this machine (the emulator of the tests). */
function isLoopbackWorkspace(workspaceUrl: string | undefined): boolean {
  if (!workspaceUrl) return false;
  try {
    return isLoopbackAddress(new URL(workspaceUrl).hostname);
  } catch {
    return false;
  }
}

/**
 * Why `signedUri`, handed out by the workspace at `workspaceUrl`, must not be fetched (see the
 * module comment), or undefined when it may. Checks the URL as written only; `checkSignedUrl`
 * resolves names too.
 */
export function signedUrlProblem(signedUri: string, workspaceUrl: string | undefined): string | undefined {
  let url: URL;
  try {
    url = new URL(signedUri);
  } catch {
    return 'it is not a URL';
  }
  if (url.username || url.password) return 'it carries a user name or password';
  const host = bareHost(url.hostname).toLowerCase();
  const emulator = isLoopbackWorkspace(workspaceUrl) && isLoopbackAddress(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && emulator)) return `it is ${url.protocol.replace(/:$/, '')}, not https`;
  if (emulator) return undefined;
  if (host === 'localhost' || host.endsWith('.localhost') || isInternalAddress(host)) return `${host} is an address of this machine or its private network`;
  return undefined;
}

/**
 * Throws SignedUrlRefusedError unless `signedUri` may be fetched: the URL as written, then every
 * address its host name resolves to.
 */
export async function checkSignedUrl(
  signedUri: string,
  workspaceUrl: string | undefined,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<void> {
  const shown = signedUri.split('?')[0]!;
  const problem = signedUrlProblem(signedUri, workspaceUrl);
  if (problem) throw new SignedUrlRefusedError(`The workspace handed out a storage URL that is not fetched: ${problem} (${shown}).`);
  const host = bareHost(new URL(signedUri).hostname);
  if (isIP(host) || (isLoopbackWorkspace(workspaceUrl) && isLoopbackAddress(host))) return;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return; // the request itself reports a name that does not resolve
  }
  const inside = addresses.find(isInternalAddress);
  if (inside)
    throw new SignedUrlRefusedError(
      `The workspace handed out a storage URL that is not fetched: ${host} resolves to ${inside}, an address of this machine or its private network (${shown}).`,
    );
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
