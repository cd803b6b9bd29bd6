// Keeping secrets out of what people see: error messages, log lines, labels.

/** Removes `user:password@` from URLs in a text (the last `@` of the authority ends it, so a password holding `@` goes too). */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s?#]*@/gi, '$1');
}

const MIN_SECRET_LENGTH = 4;

/**
 * A text with every known secret (and its URL-encoded form) replaced by `***`, Authorization
 * header values (`Bearer …`, `Basic …`), Databricks tokens (`dapi…`) and URL userinfo removed.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = redactUrl(text);
  const known = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    known.add(s);
    known.add(encodeURIComponent(s));
    known.add(Buffer.from(s, 'utf8').toString('base64'));
  }
  // Longest first, so a secret containing another is replaced whole.
  for (const s of [...known].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out
    .replace(/\b(Bearer|bearer|BEARER|Basic)(\s+|%20)(?!\*\*\*)[A-Za-z0-9][A-Za-z0-9._~+/=-]{3,}/g, '$1$2***')
    .replace(/\bdapi[0-9a-f]{8,}(-\d+)?\b/gi, 'dapi***')
    .replace(/("?(?:access_token|accessToken|client_secret|password|token)"?\s*[:=]\s*"?)(?!\*\*\*)[^\s",}&]{4,}/gi, '$1***');
}
