// How requests are signed: one interface for every kind of sign-in the workbench knows.

export type HttpAuthKind = 'none' | 'basic' | 'bearer' | 'pat' | 'oauth-m2m' | 'databricks-cli' | 'azure-cli';

export interface HttpAuth {
  readonly kind: HttpAuthKind;
  /** The Authorization header for the next request; token sources refresh before expiry. */
  header(): Promise<string | undefined>;
  /** The current bearer token (kinds that have one), e.g. for a child process's environment. */
  token?(): Promise<string>;
  /** The secrets handed out so far, so that no message ever shows them. */
  secrets(): string[];
}

export const noAuth: HttpAuth = { kind: 'none', header: async () => undefined, secrets: () => [] };

export function basicAuth(username: string, password: string): HttpAuth {
  const value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return { kind: 'basic', header: async () => value, secrets: () => [password, value.slice(6)] };
}

/** A fixed bearer token: an MLflow token (`bearer`) or a Databricks personal access token (`pat`). */
export function bearerAuth(token: string, kind: 'bearer' | 'pat' = 'bearer'): HttpAuth {
  return { kind, header: async () => `Bearer ${token}`, token: async () => token, secrets: () => [token] };
}

/** A token that changes over time (OAuth, a CLI's token): asked before every request, cached inside `getToken`. */
export function tokenSourceAuth(kind: HttpAuthKind, getToken: () => Promise<string>): HttpAuth {
  const seen: string[] = [];
  const token = async () => {
    const t = await getToken();
    if (!seen.includes(t)) {
      seen.push(t);
      if (seen.length > 8) seen.shift();
    }
    return t;
  };
  return { kind, header: async () => `Bearer ${await token()}`, token, secrets: () => [...seen] };
}

export interface ExpiringToken {
  token: string;
  /** Epoch ms; undefined when the source did not say. */
  expiresAt?: number;
}

/**
 * Caches what `fetchToken` gives until `marginMs` before it expires (5 min when it does not say),
 * with one fetch in flight at a time; a failed fetch is not cached.
 */
export function cachedTokenSource(fetchToken: () => Promise<ExpiringToken>, marginMs = 60_000, now: () => number = Date.now): () => Promise<string> {
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return async () => {
    if (cached && now() < cached.refreshAt) return cached.token;
    pending ??= fetchToken()
      .then((t) => {
        const refreshAt = t.expiresAt === undefined ? now() + 5 * 60_000 : t.expiresAt - marginMs;
        cached = { token: t.token, refreshAt };
        return t.token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
