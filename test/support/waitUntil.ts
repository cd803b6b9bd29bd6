export interface WaitUntilOptions {
  timeoutMs: number;
  /** Between two checks; default 100 ms. */
  intervalMs?: number;
  /** The state to report when time runs out (the last rows seen, the log tail, …). */
  lastState?: () => string | Promise<string>;
}

/**
 * The one way tests wait for a state: calls `check` every `intervalMs` until it returns a value other
 * than false, null or undefined, and resolves with that value. A check that throws counts as "not
 * yet" (so `assert.*` can be the check). When `timeoutMs` has passed it throws, saying what it waited
 * for, for how long, the last state (`lastState`) and the last error of the check, never falling
 * through silently.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  options: WaitUntilOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const state = options.lastState ? await Promise.resolve(options.lastState()).catch((err: unknown) => `(reading it failed: ${String(err)})`) : '';
      const failure = lastError === undefined ? '' : `\nlast check failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting until ${what}${state ? `\nlast state: ${state}` : ''}${failure}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
