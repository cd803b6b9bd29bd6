// The Charts tab's sections: metrics grouped by the prefix of their name before the first `/`
// (`train/loss`, `val/loss`, `system/cpu`), as the MLflow UI groups them. No DOM: unit tests run it in Node.

/** The section of metrics without a prefix. */
export const UNPREFIXED_SECTION = 'Model metrics';
/** MLflow's system metrics (`system/cpu_utilization_percentage`, …) come last. */
const SYSTEM_PREFIX = 'system';

export interface ChartSection {
  /** The prefix (`train`), or UNPREFIXED_SECTION. */
  name: string;
  /** Metric keys in their given order. */
  keys: string[];
}

/** The prefix of a metric key before its first `/`, or undefined (none, or nothing before or after it). */
export function sectionPrefix(key: string): string | undefined {
  const slash = key.indexOf('/');
  return slash > 0 && slash < key.length - 1 ? key.slice(0, slash) : undefined;
}

/**
 * Keys grouped in sections: unprefixed metrics first, then each prefix in the order it first
 * appears, `system` last. A prefix that only one metric has still gets its section (as in MLflow).
 */
export function sectionsOf(keys: readonly string[]): ChartSection[] {
  const sections = new Map<string, string[]>();
  for (const key of keys) {
    const name = sectionPrefix(key) ?? UNPREFIXED_SECTION;
    let list = sections.get(name);
    if (!list) sections.set(name, (list = []));
    list.push(key);
  }
  const rank = (name: string) => (name === UNPREFIXED_SECTION ? 0 : name === SYSTEM_PREFIX ? 2 : 1);
  // Array.prototype.sort is stable: first appearance holds within a rank.
  return [...sections].map(([name, list]) => ({ name, keys: list })).sort((a, b) => rank(a.name) - rank(b.name));
}

/** Keys in the user's order: those `order` lists first, in its order, then the others as given. */
export function orderKeys(keys: readonly string[], order: readonly string[] = []): string[] {
  const rank = new Map(order.map((k, i) => [k, i]));
  const listed = keys.filter((k) => rank.has(k)).sort((a, b) => rank.get(a)! - rank.get(b)!);
  return [...listed, ...keys.filter((k) => !rank.has(k))];
}

/** `keys` with `key` swapped with its neighbour before (-1) or after (+1); unchanged at an end. */
export function moveKey(keys: readonly string[], key: string, delta: -1 | 1): string[] {
  const out = [...keys];
  const i = out.indexOf(key);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= out.length) return out;
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** Card heights the size button cycles through (px); the middle one is the default. */
export const CARD_HEIGHTS = [200, 300, 450] as const;

/** The next size of a card after `height` (back to the smallest after the largest). */
export function nextCardHeight(height: number | undefined): number {
  const i = CARD_HEIGHTS.indexOf((height ?? CARD_HEIGHTS[1]) as (typeof CARD_HEIGHTS)[number]);
  return CARD_HEIGHTS[(i + 1) % CARD_HEIGHTS.length];
}
