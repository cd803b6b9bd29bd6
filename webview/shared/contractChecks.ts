// The checks the webview contracts are written with (webview/<panel>/<panel>Contract.ts). A check
// validates a value at run time and carries the TypeScript type of what it accepts, so a contract
// states each message once: its type is derived from its check (`Infer`), and the engine's shapes
// sent as they are must match their check field for field (`shapeOf`).
// Plain TypeScript, no DOM and no Node: compiled into the extension and bundled into webviews.

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks `value` at `path`; returns an error text or undefined. `T`: what it accepts (type only). */
export interface Check<T> {
  (value: unknown, path: string): string | undefined;
  /** Never set: carries T for `Infer`. */
  readonly __accepts?: T;
}

/** The type a check accepts. */
export type Infer<C> = C extends Check<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Fields = Record<string, Check<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: undefined extends Infer<F[K]> ? K : never }[keyof F];
/** An object of these fields: a field whose check accepts undefined (`optional`) may be absent. */
export type ShapeOf<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Exclude<Infer<F[K]>, undefined> }
>;

export const MAX_TEXT = 10_000_000;
export const MAX_ITEMS = 1_000_000;

export const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : ArrayBuffer.isView(v) ? (v.constructor?.name ?? 'a typed array') : typeof v;

export const str =
  (max = MAX_TEXT): Check<string> =>
  (v, p) =>
    typeof v !== 'string' ? `${p} must be a string, not ${describe(v)}` : v.length > max ? `${p} is longer than ${max} characters` : undefined;
/** Any number, NaN and ±Infinity included: MLflow metrics may be NaN (postMessage keeps them). */
export const num: Check<number> = (v, p) => (typeof v !== 'number' ? `${p} must be a number, not ${describe(v)}` : undefined);
export const int =
  (min: number, max: number): Check<number> =>
  (v, p) =>
    typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max ? `${p} must be an integer in [${min}, ${max}]` : undefined;
export const bool: Check<boolean> = (v, p) => (typeof v !== 'boolean' ? `${p} must be a boolean, not ${describe(v)}` : undefined);
export const oneOf =
  <const A extends readonly string[]>(...allowed: A): Check<A[number]> =>
  (v, p) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `${p} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
/** A field that may be absent. */
export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, p) =>
    v === undefined ? undefined : check(v, p);
/** An array slot that may be empty: JSON/structured clone turns `undefined` in arrays into null. */
export const orMissing =
  <T>(check: Check<T>): Check<T | null | undefined> =>
  (v, p) =>
    v === undefined || v === null ? undefined : check(v, p);
export const arr =
  <T>(item: Check<T>, max = MAX_ITEMS): Check<T[]> =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} must be an array, not ${describe(v)}`;
    if (v.length > max) return `${p} has more than ${max} items`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
/** A fixed-length array, e.g. a sparkline's [step, timestamp, value] points. */
export const tuple =
  <const T extends readonly Check<unknown>[]>(...items: T): Check<{ -readonly [K in keyof T]: Infer<T[K]> }> =>
  (v, p) => {
    if (!Array.isArray(v) || v.length !== items.length) return `${p} must be an array of ${items.length} items`;
    for (let i = 0; i < items.length; i++) {
      const e = items[i](v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
/**
 * A Float64Array of at most `max` items. Any float64 is a number (NaN and ±Infinity included, as
 * `num` allows), so the type and the length are the whole check: constant time for any size.
 */
export const float64s =
  (max: number): Check<Float64Array> =>
  (v, p) =>
    !(v instanceof Float64Array) ? `${p} must be a Float64Array, not ${describe(v)}` : v.length > max ? `${p} has more than ${max} items` : undefined;
/** Bytes (an image): a Uint8Array of at most `max` bytes (VS Code's postMessage transfers it as binary). */
export const bytes =
  (max: number): Check<Uint8Array> =>
  (v, p) =>
    !(v instanceof Uint8Array) ? `${p} must be a Uint8Array, not ${describe(v)}` : v.length > max ? `${p} has more than ${max} bytes` : undefined;
export const obj =
  <F extends Fields>(fields: F): Check<ShapeOf<F>> =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object, not ${describe(v)}`;
    const record = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      const e = check(record[key], `${p}.${key}`);
      if (e) return e;
    }
    return undefined;
  };
/** An object used as a map: any keys, each value passing `value`. */
export const record =
  <T>(value: Check<T>, max = MAX_ITEMS): Check<Record<string, T>> =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object, not ${describe(v)}`;
    const entries = Object.entries(v);
    if (entries.length > max) return `${p} has more than ${max} entries`;
    for (const [k, item] of entries) {
      const e = value(item, `${p}[${JSON.stringify(k)}]`);
      if (e) return e;
    }
    return undefined;
  };
/** `check`, then `rule` on a value that passed it (a rule across fields, e.g. start ≤ end). */
export const refine =
  <T>(check: Check<T>, rule: (value: T, path: string) => string | undefined): Check<T> =>
  (v, p) =>
    check(v, p) ?? rule(v as T, p);

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
/**
 * Types the check of an engine shape sent as it is (e.g. `RunsTableRow`) with that shape, once the
 * compiler has proved they agree: the check names exactly the shape's fields (a field added to one and
 * not the other fails to compile) and accepts every value of the shape. Nested shapes get their own.
 */
export const shapeOf =
  <T>() =>
  <C extends Check<unknown>>(
    check: C &
      (SameKeys<T, Infer<C>> extends true
        ? T extends Infer<C>
          ? unknown
          : { notAccepted: T }
        : { fieldsDiffer: Exclude<keyof T, keyof Infer<C>> | Exclude<keyof Infer<C>, keyof T> }),
  ): Check<T> =>
    check as unknown as Check<T>;

/** A union of messages, one per check: `{ type: K } & what check K accepts`. */
export type MessageOf<C extends Record<string, Check<object>>> = { [K in keyof C & string]: Simplify<{ type: K } & Infer<C[K]>> }[keyof C & string];

/** The validator of the messages one side sends (`side` starts the paths in its errors): a message's `type` picks its check. */
export function messageValidator<C extends Record<string, Check<object>>>(checks: C, side: string): (value: unknown) => Validation<MessageOf<C>> {
  return (value) => validateMessage(checks, value, side);
}

/** The validator of a stored value (restored state, a saved layout): `check`, then `rule` when given. */
export function valueValidator<T>(check: Check<T>, path: string, rule?: (value: T) => string | undefined): (value: unknown) => Validation<T> {
  return (value) => {
    const error = check(value, path) ?? rule?.(value as T);
    return error ? { ok: false, error } : { ok: true, value: value as T };
  };
}

function validateMessage<C extends Record<string, Check<object>>>(checks: C, value: unknown, side: string): Validation<MessageOf<C>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: `${side} message must be an object, not ${describe(value)}` };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, error: `${side} message has unknown type ${JSON.stringify(type)}; known: ${Object.keys(checks).join(', ')}` };
  }
  const error = checks[type](value, `${side}.${type}`);
  return error ? { ok: false, error } : { ok: true, value: value as MessageOf<C> };
}
