import { HttpTransport } from '../http/httpTransport';

// Request bodies for a model server's POST /invocations, checked the way MLflow's scoring server
// (mlflow/pyfunc/scoring_server) reads them, so a wrong body is explained before it is sent.

export type InvocationContentType = 'application/json' | 'text/csv';

export interface InvocationBody {
  contentType: InvocationContentType;
  body: string;
}

export class InvocationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvocationInputError';
  }
}

/** The keys MLflow's scoring server accepts at the top of a JSON body (exactly one of them). */
export const INVOCATION_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const SHAPES_HINT =
  'Use one of {"dataframe_split": {"columns": [...], "data": [[...]]}}, {"dataframe_records": [{...}]}, ' +
  '{"instances": [...]} or {"inputs": ...} (optionally with "params": {...}), or CSV text with a header row.';

/**
 * Builds the body of an invocation. `input` is a parsed JSON object, or text: JSON (starts with `{`)
 * or CSV (a header row and at least one data row). `format` forces how text is read.
 * Throws InvocationInputError saying what is wrong and what shape to use.
 */
export function buildInvocationBody(input: unknown, format?: 'json' | 'csv'): InvocationBody {
  if (typeof input === 'string') {
    const text = input.replace(/^\uFEFF/, '');
    const looksJson = /^\s*[[{]/.test(text);
    if (format === 'csv' || (format === undefined && !looksJson)) return { contentType: 'text/csv', body: checkCsv(text) };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new InvocationInputError(`The input is not valid JSON: ${(err as Error).message}. ${SHAPES_HINT}`);
    }
    return buildInvocationBody(parsed, 'json');
  }
  if (format === 'csv') throw new InvocationInputError('CSV input must be text, not a parsed value.');
  checkJsonShape(input);
  return { contentType: 'application/json', body: JSON.stringify(input) };
}

function checkJsonShape(input: unknown): void {
  if (Array.isArray(input)) {
    throw new InvocationInputError(
      `The input is a JSON array; MLflow needs an object naming its shape, e.g. {"inputs": [...]} or {"dataframe_records": [...]}. ${SHAPES_HINT}`,
    );
  }
  if (!isObject(input)) {
    throw new InvocationInputError(`The input must be a JSON object, not ${describe(input)}. ${SHAPES_HINT}`);
  }
  const keys = Object.keys(input).filter((k) => k !== 'params');
  const unknown = keys.filter((k) => !(INVOCATION_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const legacy = unknown.includes('columns') || unknown.includes('data');
    throw new InvocationInputError(
      `Unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} in the input; expected one of ${INVOCATION_KEYS.join(', ')}` +
        (legacy ? ' (MLflow 1.x bodies {"columns", "data"} now go inside "dataframe_split")' : '') +
        `. ${SHAPES_HINT}`,
    );
  }
  if (keys.length === 0) throw new InvocationInputError(`The input names no shape. ${SHAPES_HINT}`);
  if (keys.length > 1) throw new InvocationInputError(`The input has ${keys.join(' and ')}; give exactly one of ${INVOCATION_KEYS.join(', ')}.`);
  if ('params' in input && !isObject(input.params)) {
    throw new InvocationInputError(`"params" must be an object of parameter names to values, not ${describe(input.params)}.`);
  }
  const key = keys[0];
  const value = input[key];
  switch (key) {
    case 'dataframe_split':
      return checkDataframeSplit(value);
    case 'dataframe_records':
      if (!Array.isArray(value) || value.length === 0) {
        throw new InvocationInputError(`"dataframe_records" must be a non-empty array of row objects such as [{"a": 1, "b": 2}], not ${describe(value)}.`);
      }
      value.forEach((row, i) => {
        if (!isObject(row)) throw new InvocationInputError(`"dataframe_records" row ${i} must be an object of column names to values, not ${describe(row)}.`);
      });
      return;
    case 'instances':
      if (Array.isArray(value) ? value.length === 0 : !isObject(value)) {
        throw new InvocationInputError(`"instances" must be a non-empty array (one item per row) or an object of named arrays, not ${describe(value)}.`);
      }
      return;
    case 'inputs':
      if (value === null || value === undefined)
        throw new InvocationInputError('"inputs" is null; give the model input (an array, an object of named arrays, or a value).');
      return;
  }
}

function checkDataframeSplit(value: unknown): void {
  if (!isObject(value)) {
    throw new InvocationInputError(`"dataframe_split" must be an object {"columns": [...], "data": [[...]]}, not ${describe(value)}.`);
  }
  const extra = Object.keys(value).filter((k) => !['columns', 'data', 'index'].includes(k));
  if (extra.length > 0)
    throw new InvocationInputError(`"dataframe_split" has unknown key ${extra.map((k) => `'${k}'`).join(', ')}; it takes columns, data and index.`);
  const { columns, data, index } = value;
  if (!Array.isArray(data) || data.length === 0) {
    throw new InvocationInputError(`"dataframe_split.data" must be a non-empty array of rows, not ${describe(data)}.`);
  }
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string' && typeof c !== 'number'))) {
    throw new InvocationInputError('"dataframe_split.columns" must be an array of column names.');
  }
  data.forEach((row, i) => {
    if (!Array.isArray(row)) throw new InvocationInputError(`"dataframe_split.data" row ${i} must be an array of values, not ${describe(row)}.`);
    if (Array.isArray(columns) && row.length !== columns.length) {
      throw new InvocationInputError(
        `"dataframe_split.data" row ${i} has ${row.length} value${row.length === 1 ? '' : 's'} but there are ${columns.length} columns.`,
      );
    }
  });
  if (index !== undefined && (!Array.isArray(index) || index.length !== data.length)) {
    throw new InvocationInputError(`"dataframe_split.index" must be an array with one entry per row (${data.length}).`);
  }
}

/** A CSV body needs a header row and at least one row of values with the same number of fields. */
function checkCsv(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InvocationInputError('The CSV input is empty; give a header row and at least one row of values.');
  if (lines.length === 1) throw new InvocationInputError('The CSV input has only a header row; add at least one row of values.');
  const width = csvFieldCount(lines[0]);
  for (let i = 1; i < lines.length; i++) {
    const n = csvFieldCount(lines[i]);
    if (n !== width) throw new InvocationInputError(`CSV line ${i + 1} has ${n} field${n === 1 ? '' : 's'} but the header has ${width}.`);
  }
  return text.endsWith('\n') ? text : text + '\n';
}

/** Counts the fields of one CSV line, honouring double-quoted fields with commas. */
function csvFieldCount(line: string): number {
  let count = 1;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) count++;
  }
  return count;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)}`;
  return `${typeof v === 'object' ? 'an object' : `the ${typeof v} ${String(v)}`}`;
}

export interface InvocationResult {
  status: number;
  latencyMs: number;
  /** The parsed JSON answer, else its text. */
  body: unknown;
}

/** The largest prediction held in memory by default: 64 MB. */
export const DEFAULT_INVOCATION_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface InvokeOptions {
  contentType?: InvocationContentType;
  /** Total deadline of the request (connect, headers and the whole answer). Default 60 s. */
  timeoutMs?: number;
  /** Largest answer accepted. Default DEFAULT_INVOCATION_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Ends the request at once (the answer is then a CANCELLED HttpApiError). */
  signal?: AbortSignal;
}

/**
 * POSTs one body to `<url>/invocations` (a model server, `mlflow models serve`) over the one HTTP
 * layer and measures the round trip: a deadline on the whole answer, a size cap, no retry (a
 * prediction is not known to be safe to repeat), no credentials in messages. Resolves with any HTTP
 * status (the caller shows a model's 4xx/5xx); rejects with an HttpApiError when there is no answer.
 */
export async function invokeModel(url: string, body: InvocationBody | string, opts: InvokeOptions = {}): Promise<InvocationResult> {
  const payload = typeof body === 'string' ? body : body.body;
  const contentType = opts.contentType ?? (typeof body === 'string' ? 'application/json' : body.contentType);
  const transport = new HttpTransport({
    baseUrl: url,
    service: 'the model server',
    timeoutMs: opts.timeoutMs ?? 60_000,
    maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_INVOCATION_RESPONSE_BYTES,
    maxRetries: 0,
  });
  const started = performance.now();
  const response = await transport.send({
    method: 'POST',
    path: 'invocations',
    body: payload,
    contentType,
    idempotent: false,
    label: 'invocations',
    signal: opts.signal,
  });
  return invocationResult(response.status, response.data, started);
}

/** A model server's answer (any status), `started` (performance.now()) to now: its body parsed as JSON, or its text when it is not JSON. */
export function invocationResult(status: number, data: Buffer, started: number): InvocationResult {
  const latencyMs = performance.now() - started;
  const text = data.toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status, latencyMs, body: parsed };
}

// The saved input example is read from the model's files; kept with the other request helpers for callers.
export { loadInputExample } from './modelArtifacts';
