/**
 * A small, strict renderer for the subset of Jinja that cookiecutter templates use for names,
 * defaults and conditional blocks. Anything outside the subset is an error naming the file, the
 * line and the construct: a template must never render silently wrong.
 *
 * Supported: `{{ cookiecutter.x }}` and string literals, with the filters lower, upper, title,
 * trim and replace('a', 'b'); `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}` with ==, !=,
 * and, or, not, parentheses and truthiness; `{% raw %}...{% endraw %}` (GitHub Actions' own
 * `${{ }}` syntax needs it); `{# comments #}`; `-` whitespace control on every delimiter.
 * As in cookiecutter (StrictUndefined), an unknown variable is an error.
 */

export type TemplateContext = Readonly<Record<string, string>>;

export class TemplateSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'TemplateSyntaxError';
  }
}

const SUPPORTED_FILTERS = ['lower', 'upper', 'title', 'trim', 'replace'];
const HINT = 'Supported: {{ cookiecutter.x|lower|upper|title|trim|replace(\'a\', \'b\') }}, {% if %}/{% elif %}/{% else %}/{% endif %}, {% raw %}, {# #}.';

// ---------------------------------------------------------------- lexing of the text

type Chunk =
  | { kind: 'text'; text: string; line: number }
  | { kind: 'output'; body: string; line: number }
  | { kind: 'tag'; body: string; line: number };

/** Line numbers for offsets that only grow, counted incrementally (large files stay linear). */
function lineCounter(source: string): (index: number) => number {
  let at = 0;
  let line = 1;
  return (index) => {
    for (; at < index; at++) if (source.charCodeAt(at) === 10) line++;
    return line;
  };
}

/** Splits the source into text, `{{ }}` and `{% %}` chunks, applying `-` whitespace control and raw blocks. */
function lex(source: string, file: string): Chunk[] {
  const chunks: Chunk[] = [];
  const lineAt = lineCounter(source);
  let pos = 0;
  let stripNextLeading = false;
  const pushText = (text: string, at: number) => {
    if (stripNextLeading) {
      text = text.replace(/^\s+/, '');
      stripNextLeading = false;
    }
    if (text) chunks.push({ kind: 'text', text, line: lineAt(at) });
  };
  const stripPreviousTrailing = () => {
    const last = chunks[chunks.length - 1];
    if (last?.kind === 'text') {
      last.text = last.text.replace(/\s+$/, '');
      if (!last.text) chunks.pop();
    }
  };
  const opener = /\{\{|\{%|\{#/g;
  while (pos < source.length) {
    opener.lastIndex = pos;
    const m = opener.exec(source);
    if (!m) {
      pushText(source.slice(pos), pos);
      break;
    }
    const start = m.index;
    pushText(source.slice(pos, start), pos);
    const kind = m[0];
    const closer = kind === '{{' ? '}}' : kind === '{%' ? '%}' : '#}';
    const end = source.indexOf(closer, start + 2);
    const line = lineAt(start);
    if (end < 0) throw new TemplateSyntaxError(file, line, `'${kind}' is never closed by '${closer}'.`);
    let body = source.slice(start + 2, end);
    if (body.startsWith('-')) {
      body = body.slice(1);
      stripPreviousTrailing();
    } else if (body.startsWith('+')) {
      body = body.slice(1);
    }
    if (body.endsWith('-')) {
      body = body.slice(0, -1);
      stripNextLeading = true;
    } else if (body.endsWith('+')) {
      body = body.slice(0, -1);
    }
    pos = end + 2;
    if (kind === '{#') continue;
    if (kind === '{{') {
      chunks.push({ kind: 'output', body: body.trim(), line });
      continue;
    }
    const tag = body.trim();
    if (tag === 'raw') {
      // Everything up to {% endraw %} is text, untouched.
      const endRaw = /\{%(-?)\s*endraw\s*(-?)%\}/g;
      endRaw.lastIndex = pos;
      const e = endRaw.exec(source);
      if (!e) throw new TemplateSyntaxError(file, line, "'{% raw %}' is never closed by '{% endraw %}'.");
      const rawText = source.slice(pos, e.index);
      const wasStripping = stripNextLeading;
      stripNextLeading = false;
      let text = wasStripping ? rawText.replace(/^\s+/, '') : rawText;
      if (e[1] === '-') text = text.replace(/\s+$/, '');
      if (text) chunks.push({ kind: 'text', text, line: lineAt(pos) });
      stripNextLeading = e[2] === '-';
      pos = e.index + e[0].length;
      continue;
    }
    chunks.push({ kind: 'tag', body: tag, line });
  }
  return chunks;
}

// ---------------------------------------------------------------- expressions

type Token = { type: 'name' | 'string' | 'op' | 'number'; value: string };

function tokenize(expr: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && j + 1 < expr.length) {
          const next = expr[j + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
        } else {
          value += expr[j++];
        }
      }
      if (j >= expr.length) throw new TemplateSyntaxError(file, line, `unterminated string in '${expr}'.`);
      tokens.push({ type: 'string', value });
      i = j + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
    if (name) {
      tokens.push({ type: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(expr.slice(i));
    if (num) {
      tokens.push({ type: 'number', value: num[0] });
      i += num[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|\*\*|\/\/|[|().,[\]<>+\-*/%~:=!])/.exec(expr.slice(i));
    if (op) {
      tokens.push({ type: 'op', value: op[0] });
      i += op[0].length;
      continue;
    }
    throw new TemplateSyntaxError(file, line, `unexpected character '${c}' in '${expr}'.`);
  }
  return tokens;
}

type Expr =
  | { kind: 'literal'; value: string }
  | { kind: 'var'; name: string }
  | { kind: 'filter'; name: string; args: Expr[]; input: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'binary'; op: 'and' | 'or' | '==' | '!='; left: Expr; right: Expr };

class ExpressionParser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly file: string,
    private readonly line: number,
  ) {}

  private fail(problem: string): never {
    throw new TemplateSyntaxError(this.file, this.line, `${problem} in '${this.source}'. ${HINT}`);
  }
  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t?.type === 'op' && t.value === value;
  }
  private isName(value: string): boolean {
    const t = this.peek();
    return t?.type === 'name' && t.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected '${value}'${this.peek() ? ` but found '${this.peek()!.value}'` : ' at the end'}`);
    this.i++;
  }

  parseAll(): Expr {
    const e = this.parseOr();
    if (this.i < this.tokens.length) this.unexpected(this.tokens[this.i]);
    return e;
  }

  private unexpected(t: Token): never {
    if (t.type === 'op' && ['<', '>', '<=', '>='].includes(t.value)) this.fail(`the comparison '${t.value}' is not supported (only == and !=)`);
    if (t.type === 'op' && ['+', '-', '*', '/', '//', '%', '**', '~'].includes(t.value)) this.fail(`the operator '${t.value}' is not supported`);
    if (t.type === 'name' && ['in', 'is'].includes(t.value)) this.fail(`the test '${t.value}' is not supported (only ==, !=, and, or, not)`);
    if (t.type === 'op' && t.value === '[') this.fail('subscripts (x[...]) are not supported; write cookiecutter.name');
    if (t.type === 'op' && t.value === '(') this.fail('calling methods or functions is not supported; use a filter');
    this.fail(`unexpected '${t.value}'`);
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      this.i++;
      left = { kind: 'binary', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }
  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      this.i++;
      left = { kind: 'binary', op: 'and', left, right: this.parseNot() };
    }
    return left;
  }
  private parseNot(): Expr {
    if (this.isName('not')) {
      this.i++;
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }
  private parseComparison(): Expr {
    const left = this.parseFiltered();
    if (this.isOp('==') || this.isOp('!=')) {
      const op = this.tokens[this.i++].value as '==' | '!=';
      return { kind: 'binary', op, left, right: this.parseFiltered() };
    }
    return left;
  }
  private parseFiltered(): Expr {
    let e = this.parsePrimary();
    while (this.isOp('|')) {
      this.i++;
      const t = this.peek();
      if (t?.type !== 'name') this.fail("expected a filter name after '|'");
      this.i++;
      if (!SUPPORTED_FILTERS.includes(t.value)) {
        throw new TemplateSyntaxError(
          this.file,
          this.line,
          `the filter '${t.value}' is not supported in '${this.source}'. Supported filters: ${SUPPORTED_FILTERS.join(', ')}.`,
        );
      }
      const args: Expr[] = [];
      if (this.isOp('(')) {
        this.i++;
        while (!this.isOp(')')) {
          args.push(this.parseOr());
          if (this.isOp(',')) this.i++;
          else if (!this.isOp(')')) this.fail("expected ',' or ')' in the filter's arguments");
        }
        this.i++;
      }
      const wanted = t.value === 'replace' ? 2 : 0;
      if (args.length !== wanted) this.fail(`the filter '${t.value}' takes ${wanted === 0 ? 'no arguments' : `${wanted} arguments ('old', 'new')`}, got ${args.length}`);
      e = { kind: 'filter', name: t.value, args, input: e };
    }
    return e;
  }
  private parsePrimary(): Expr {
    const t = this.peek();
    if (!t) this.fail('expected a value at the end');
    if (t.type === 'string') {
      this.i++;
      return { kind: 'literal', value: t.value };
    }
    if (t.type === 'number') {
      this.i++;
      return { kind: 'literal', value: t.value };
    }
    if (t.type === 'op' && t.value === '(') {
      this.i++;
      const e = this.parseOr();
      this.expectOp(')');
      return e;
    }
    if (t.type === 'name') {
      if (t.value === 'true' || t.value === 'True') {
        this.i++;
        return { kind: 'literal', value: 'true' };
      }
      if (t.value === 'false' || t.value === 'False' || t.value === 'none' || t.value === 'None') {
        this.i++;
        return { kind: 'literal', value: '' };
      }
      if (t.value !== 'cookiecutter') this.fail(`unknown name '${t.value}' (variables are written cookiecutter.<name>)`);
      this.i++;
      if (!this.isOp('.')) this.fail("expected '.<name>' after 'cookiecutter'");
      this.i++;
      const n = this.peek();
      if (n?.type !== 'name') this.fail("expected a variable name after 'cookiecutter.'");
      this.i++;
      if (this.isOp('(')) this.fail(`calling methods (cookiecutter.${n.value}(...)) is not supported; use a filter`);
      if (this.isOp('.') || this.isOp('[')) this.fail(`attribute access on cookiecutter.${n.value} is not supported; use a filter`);
      return { kind: 'var', name: n.value };
    }
    this.unexpected(t);
  }
}

function parseExpression(source: string, file: string, line: number): Expr {
  if (!source.trim()) throw new TemplateSyntaxError(file, line, 'empty expression.');
  return new ExpressionParser(tokenize(source, file, line), source, file, line).parseAll();
}

function titleCase(s: string): string {
  // Jinja's title: first letter of each word upper, the rest lower.
  return s.replace(/[A-Za-z0-9]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

function evaluate(e: Expr, ctx: TemplateContext, file: string, line: number): string {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'var': {
      if (!Object.prototype.hasOwnProperty.call(ctx, e.name)) {
        const known = Object.keys(ctx);
        throw new TemplateSyntaxError(file, line, `'cookiecutter.${e.name}' is not defined. Known variables: ${known.length ? known.join(', ') : '(none)'}.`);
      }
      return ctx[e.name];
    }
    case 'filter': {
      const input = evaluate(e.input, ctx, file, line);
      switch (e.name) {
        case 'lower':
          return input.toLowerCase();
        case 'upper':
          return input.toUpperCase();
        case 'title':
          return titleCase(input);
        case 'trim':
          return input.trim();
        case 'replace': {
          const from = evaluate(e.args[0], ctx, file, line);
          const to = evaluate(e.args[1], ctx, file, line);
          return from === '' ? input : input.split(from).join(to);
        }
      }
      throw new TemplateSyntaxError(file, line, `the filter '${e.name}' is not supported.`);
    }
    case 'not':
      return truthy(evaluate(e.operand, ctx, file, line)) ? '' : 'true';
    case 'binary': {
      if (e.op === 'and') {
        const l = evaluate(e.left, ctx, file, line);
        return truthy(l) ? evaluate(e.right, ctx, file, line) : l;
      }
      if (e.op === 'or') {
        const l = evaluate(e.left, ctx, file, line);
        return truthy(l) ? l : evaluate(e.right, ctx, file, line);
      }
      const equal = evaluate(e.left, ctx, file, line) === evaluate(e.right, ctx, file, line);
      return (e.op === '==') === equal ? 'true' : '';
    }
  }
}

/** Jinja truthiness for strings: only the empty string is false ("no" is true). */
function truthy(value: string): boolean {
  return value !== '';
}

// ---------------------------------------------------------------- blocks

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; expr: Expr; line: number }
  | { kind: 'if'; branches: { condition: Expr | undefined; body: Node[] }[]; line: number };

const UNSUPPORTED_TAGS: Record<string, string> = {
  for: 'loops ({% for %})',
  endfor: 'loops ({% endfor %})',
  macro: 'macros ({% macro %})',
  call: 'macro calls ({% call %})',
  include: '{% include %}',
  import: '{% import %}',
  from: '{% from ... import %}',
  extends: 'template inheritance ({% extends %})',
  block: '{% block %}',
  set: 'assignments ({% set %})',
  with: '{% with %}',
  filter: 'filter blocks ({% filter %})',
  autoescape: '{% autoescape %}',
  do: '{% do %} (a Jinja extension)',
  trans: '{% trans %} (a Jinja extension)',
  now: '{% now %} (a cookiecutter extension)',
};

function parseBlocks(chunks: Chunk[], file: string): Node[] {
  let i = 0;
  const parseUntil = (enders: string[]): { nodes: Node[]; ender?: { word: string; rest: string; line: number } } => {
    const nodes: Node[] = [];
    while (i < chunks.length) {
      const c = chunks[i++];
      if (c.kind === 'text') {
        nodes.push({ kind: 'text', text: c.text });
        continue;
      }
      if (c.kind === 'output') {
        nodes.push({ kind: 'output', expr: parseExpression(c.body, file, c.line), line: c.line });
        continue;
      }
      const word = /^[A-Za-z_]+/.exec(c.body)?.[0] ?? '';
      const rest = c.body.slice(word.length).trim();
      if (enders.includes(word)) return { nodes, ender: { word, rest, line: c.line } };
      if (word === 'if') {
        const ifLine = c.line;
        const branches: { condition: Expr | undefined; body: Node[] }[] = [];
        let condition: Expr | undefined = parseExpression(rest, file, c.line);
        for (;;) {
          const { nodes: body, ender } = parseUntil(['elif', 'else', 'endif']);
          branches.push({ condition, body });
          if (!ender) throw new TemplateSyntaxError(file, ifLine, "'{% if %}' is never closed by '{% endif %}'.");
          if (ender.word === 'endif') break;
          if (condition === undefined) throw new TemplateSyntaxError(file, ender.line, `'{% ${ender.word} %}' after '{% else %}'.`);
          if (ender.word === 'else') {
            if (ender.rest) throw new TemplateSyntaxError(file, ender.line, `'{% else %}' takes no condition (found '${ender.rest}'); use '{% elif %}'.`);
            condition = undefined;
          } else {
            condition = parseExpression(ender.rest, file, ender.line);
          }
        }
        nodes.push({ kind: 'if', branches, line: ifLine });
        continue;
      }
      if (word === 'elif' || word === 'else' || word === 'endif') {
        throw new TemplateSyntaxError(file, c.line, `'{% ${word} %}' without a matching '{% if %}'.`);
      }
      if (word === 'endraw') throw new TemplateSyntaxError(file, c.line, "'{% endraw %}' without a matching '{% raw %}'.");
      const what = UNSUPPORTED_TAGS[word];
      throw new TemplateSyntaxError(
        file,
        c.line,
        what ? `${what} is not supported by MLflow Workbench's template renderer. ${HINT}` : `unknown tag '{% ${c.body} %}'. ${HINT}`,
      );
    }
    return { nodes };
  };
  const { nodes, ender } = parseUntil([]);
  if (ender) throw new TemplateSyntaxError(file, ender.line, `unexpected '{% ${ender.word} %}'.`);
  return nodes;
}

function renderNodes(nodes: Node[], ctx: TemplateContext, file: string, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'output') out.push(evaluate(n.expr, ctx, file, n.line));
    else {
      for (const b of n.branches) {
        if (b.condition === undefined || truthy(evaluate(b.condition, ctx, file, n.line))) {
          renderNodes(b.body, ctx, file, out);
          break;
        }
      }
    }
  }
}

export interface RenderedText {
  text: string;
  /** True when the source has an `{% if %}` block: an empty result then means "leave this file out". */
  hasConditional: boolean;
}

/** A parsed template, reusable across contexts. Throws TemplateSyntaxError on anything unsupported. */
export class CompiledTemplate {
  private readonly nodes: Node[];
  readonly hasConditional: boolean;

  constructor(
    source: string,
    readonly file: string,
  ) {
    this.nodes = parseBlocks(lex(source, file), file);
    this.hasConditional = this.nodes.some(function hasIf(n: Node): boolean {
      return n.kind === 'if';
    });
  }

  render(ctx: TemplateContext): string {
    const out: string[] = [];
    renderNodes(this.nodes, ctx, this.file, out);
    return out.join('');
  }
}

/** Renders one template string. `file` names the source in error messages. */
export function renderString(source: string, ctx: TemplateContext, file = '<string>'): string {
  if (!source.includes('{')) return source;
  return new CompiledTemplate(source, file).render(ctx);
}

/** Renders and tells whether the source was conditional (for "empty under a conditional ⇒ skip"). */
export function renderText(source: string, ctx: TemplateContext, file: string): RenderedText {
  if (!source.includes('{')) return { text: source, hasConditional: false };
  const t = new CompiledTemplate(source, file);
  return { text: t.render(ctx), hasConditional: t.hasConditional };
}
