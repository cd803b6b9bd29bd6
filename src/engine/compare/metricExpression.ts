// A y-axis expression over metrics for the compare panel's charts (`val_loss - train_loss`): parsed
// by jsep (a small expression parser: an AST, no evaluation), then checked against a whitelist and
// evaluated here. No eval, no Function, no property access: only numbers, metric names, arithmetic
// and a few math functions. No vscode, no DOM, no Node (the webview program imports it).
import jsep from 'jsep';

/** A bad expression: what is wrong and where (a 0-based index in the text, when known). */
export class MetricExpressionError extends Error {
  constructor(
    message: string,
    readonly index?: number,
  ) {
    super(message);
    this.name = 'MetricExpressionError';
  }
}

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'metric'; key: string }
  | { kind: 'unary'; op: '-' | '+'; arg: Node }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node }
  | { kind: 'call'; fn: FunctionName; args: Node[] };

const FUNCTIONS = {
  abs: [1, 1, Math.abs],
  log: [1, 1, Math.log],
  log10: [1, 1, Math.log10],
  exp: [1, 1, Math.exp],
  sqrt: [1, 1, Math.sqrt],
  min: [2, 16, Math.min],
  max: [2, 16, Math.max],
} as const satisfies Record<string, readonly [number, number, (...args: number[]) => number]>;
type FunctionName = keyof typeof FUNCTIONS;

type BinaryOp = '+' | '-' | '*' | '/' | '**';
const BINARY = new Set<string>(['+', '-', '*', '/', '**']);
/** Longest expression accepted (a chart's y axis, not a program). */
const MAX_LENGTH = 500;

export interface MetricExpression {
  /** The text as given (trimmed). */
  text: string;
  /** The metric keys it reads, in order of first use. */
  metrics: string[];
  /** Its value from the metrics' values (NaN when one is missing or the arithmetic has none). */
  evaluate(values: (key: string) => number | undefined): number;
}

/**
 * Parses an expression over metrics: numbers, metric names (`val_loss`, dotted `eval.loss`, or quoted
 * for any other key: `"val/loss"`), `+ - * / **`, parentheses and abs, log, log10, exp, sqrt, min, max.
 * Throws MetricExpressionError saying what and where.
 */
export function parseMetricExpression(input: string): MetricExpression {
  const text = input.trim();
  if (text === '') throw new MetricExpressionError('The expression is empty: write one over metrics, e.g. val_loss - train_loss.');
  if (text.length > MAX_LENGTH) throw new MetricExpressionError(`The expression is longer than ${MAX_LENGTH} characters.`);
  let ast: jsep.Expression;
  try {
    ast = jsep(text);
  } catch (err) {
    const e = err as { description?: string; index?: number; message?: string };
    throw new MetricExpressionError(`${e.description ?? e.message ?? String(err)}${e.index === undefined ? '' : ` at character ${e.index + 1}`}.`, e.index);
  }
  const metrics: string[] = [];
  const root = toNode(ast, metrics);
  return {
    text,
    metrics,
    evaluate: (values) => evaluate(root, values),
  };
}

function toNode(e: jsep.Expression, metrics: string[]): Node {
  switch (e.type) {
    case 'Literal': {
      const value = (e as jsep.Literal).value;
      if (typeof value === 'number') return { kind: 'number', value };
      if (typeof value === 'string') return metric(value, metrics);
      throw new MetricExpressionError(`${JSON.stringify((e as jsep.Literal).raw)} is not a number or a metric name.`);
    }
    case 'Identifier':
      return metric((e as jsep.Identifier).name, metrics);
    case 'MemberExpression': {
      const name = dottedName(e);
      if (name === undefined) throw new MetricExpressionError('Only dotted metric names (eval.loss) may use "."; quote other names ("val/loss").');
      return metric(name, metrics);
    }
    case 'UnaryExpression': {
      const u = e as jsep.UnaryExpression;
      if (u.operator !== '-' && u.operator !== '+') throw new MetricExpressionError(`The operator ${u.operator} is not allowed: use + - * / **.`);
      return { kind: 'unary', op: u.operator, arg: toNode(u.argument, metrics) };
    }
    case 'BinaryExpression': {
      const b = e as jsep.BinaryExpression;
      if (b.operator === '^') throw new MetricExpressionError('Use ** for a power (^ is not one here).');
      if (!BINARY.has(b.operator)) throw new MetricExpressionError(`The operator ${b.operator} is not allowed: use + - * / **.`);
      return { kind: 'binary', op: b.operator as BinaryOp, left: toNode(b.left, metrics), right: toNode(b.right, metrics) };
    }
    case 'CallExpression': {
      const c = e as jsep.CallExpression;
      const name = c.callee.type === 'Identifier' ? (c.callee as jsep.Identifier).name : undefined;
      if (name === undefined || !Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
        throw new MetricExpressionError(`${name ?? 'That'} is not a function here: use ${Object.keys(FUNCTIONS).join(', ')}.`);
      }
      const [least, most] = FUNCTIONS[name as FunctionName];
      if (c.arguments.length < least || c.arguments.length > most) {
        throw new MetricExpressionError(
          `${name} takes ${least === most ? least : `${least} to ${most}`} argument${most === 1 ? '' : 's'}, not ${c.arguments.length}.`,
        );
      }
      return { kind: 'call', fn: name as FunctionName, args: c.arguments.map((a) => toNode(a, metrics)) };
    }
    case 'Compound':
      throw new MetricExpressionError('One expression only (no "," or ";" between expressions).');
    default:
      throw new MetricExpressionError(
        `A ${e.type} is not allowed: use numbers, metric names, + - * / **, parentheses and ${Object.keys(FUNCTIONS).join(', ')}.`,
      );
  }
}

function metric(key: string, metrics: string[]): Node {
  if (key === '') throw new MetricExpressionError('A metric name is empty.');
  if (!metrics.includes(key)) metrics.push(key);
  return { kind: 'metric', key };
}

/** `eval.loss` parsed as a member access: back to the dotted name, or undefined if it is not one. */
function dottedName(e: jsep.Expression): string | undefined {
  if (e.type === 'Identifier') return (e as jsep.Identifier).name;
  if (e.type !== 'MemberExpression') return undefined;
  const m = e as jsep.MemberExpression;
  if (m.computed || m.property.type !== 'Identifier') return undefined;
  const head = dottedName(m.object);
  return head === undefined ? undefined : `${head}.${(m.property as jsep.Identifier).name}`;
}

function evaluate(node: Node, values: (key: string) => number | undefined): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'metric':
      return values(node.key) ?? Number.NaN;
    case 'unary':
      return node.op === '-' ? -evaluate(node.arg, values) : evaluate(node.arg, values);
    case 'binary': {
      const a = evaluate(node.left, values);
      const b = evaluate(node.right, values);
      switch (node.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '**':
          return a ** b;
      }
      break;
    }
    case 'call': {
      const fn = FUNCTIONS[node.fn][2] as (...args: number[]) => number;
      return fn(...node.args.map((a) => evaluate(a, values)));
    }
  }
  return Number.NaN;
}

/** A run's metric history in columns (the compare panel's HistorySeries is one). */
export interface ExpressionSource {
  runId: string;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
  sampled: boolean;
}

/** The value of a series at `step`: its own where it logged that step, else linear between its neighbours; NaN outside its steps. */
export function valueAtStep(series: { steps: ArrayLike<number>; values: ArrayLike<number> }, step: number): number {
  const { steps, values } = series;
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0 || step < steps[0] || step > steps[hi]) return Number.NaN;
  // The last index with steps[i] <= step.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  if (steps[lo] === step || lo === steps.length - 1) return values[lo];
  const t = (step - steps[lo]) / (steps[lo + 1] - steps[lo]);
  return values[lo] + (values[lo + 1] - values[lo]) * t;
}

/**
 * A y-axis expression's series per run: at each step of the run's first metric of the expression,
 * the expression of the metrics' values there (the others' interpolated between their logged steps,
 * see valueAtStep). Undefined until every metric it reads is loaded.
 */
export function expressionSeries<S extends ExpressionSource>(
  expression: Pick<MetricExpression, 'text' | 'metrics' | 'evaluate'>,
  historiesOf: (metricKey: string) => readonly S[] | undefined,
  runIds: readonly string[],
): (ExpressionSource & { metricKey: string; exact: false })[] | undefined {
  const sources = expression.metrics.map((k) => historiesOf(k));
  if (sources.some((s) => s === undefined)) return undefined;
  const out: (ExpressionSource & { metricKey: string; exact: false })[] = [];
  for (const runId of runIds) {
    const own = sources.map((list) => list!.find((s) => s.runId === runId));
    const base = own[0];
    if (!base || base.steps.length === 0) continue;
    const values = new Float64Array(base.steps.length);
    for (let i = 0; i < base.steps.length; i++) {
      const step = base.steps[i];
      values[i] = expression.evaluate((key) => {
        const at = expression.metrics.indexOf(key);
        if (at === 0) return base.values[i];
        const s = own[at];
        return s ? valueAtStep(s, step) : undefined;
      });
    }
    out.push({
      runId,
      metricKey: expression.text,
      steps: base.steps,
      timestamps: base.timestamps,
      values,
      sampled: own.some((s) => s?.sampled ?? false),
      exact: false,
    });
  }
  return out;
}
