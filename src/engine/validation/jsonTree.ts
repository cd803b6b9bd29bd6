import { parseTree, printParseErrorCode, ParseErrorCode, type Node as JsoncNode, type ParseError } from 'jsonc-parser';

/**
 * JSON with the source offsets of every value, read by `jsonc-parser` (the reader VS Code's own JSON
 * support uses), in strict JSON mode: no comments, no trailing commas. Rules see this small tree.
 */
export type JNode = JObject | JArray | JScalar;

export interface JScalar {
  kind: 'string' | 'number' | 'boolean' | 'null';
  value: string | number | boolean | null;
  start: number;
  end: number;
}

export interface JProperty {
  key: JScalar & { kind: 'string'; value: string };
  value: JNode;
}

export interface JObject {
  kind: 'object';
  properties: JProperty[];
  start: number;
  end: number;
}

export interface JArray {
  kind: 'array';
  items: JNode[];
  start: number;
  end: number;
}

export interface JsonSyntaxError {
  message: string;
  start: number;
  end: number;
}

export function getProperty(obj: JObject, key: string): JProperty | undefined {
  for (let i = obj.properties.length - 1; i >= 0; i--) if (obj.properties[i].key.value === key) return obj.properties[i];
  return undefined;
}

const MESSAGES: Partial<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: 'Unexpected text: expected a JSON value (string in double quotes, number, true, false, null, object or array).',
  [ParseErrorCode.InvalidNumberFormat]: 'Invalid number.',
  [ParseErrorCode.PropertyNameExpected]: 'Expected a property name in double quotes.',
  [ParseErrorCode.ValueExpected]: 'Expected a value.',
  [ParseErrorCode.ColonExpected]: "Expected ':' after the property name.",
  [ParseErrorCode.CommaExpected]: "Expected ',' between values.",
  [ParseErrorCode.CloseBraceExpected]: "Expected '}' to close the object.",
  [ParseErrorCode.CloseBracketExpected]: "Expected ']' to close the array.",
  [ParseErrorCode.EndOfFileExpected]: 'Unexpected text after the end of the JSON value.',
  [ParseErrorCode.InvalidCommentToken]: 'Comments are not allowed in JSON.',
  [ParseErrorCode.UnexpectedEndOfComment]: 'Comments are not allowed in JSON.',
  [ParseErrorCode.UnexpectedEndOfString]: 'Unterminated string: add the closing ".',
  [ParseErrorCode.UnexpectedEndOfNumber]: 'Invalid number.',
  [ParseErrorCode.InvalidUnicode]: 'Invalid \\u escape: it needs 4 hex digits.',
  [ParseErrorCode.InvalidEscapeCharacter]: 'Invalid escape in string.',
  [ParseErrorCode.InvalidCharacter]: 'Invalid character in string (a string cannot span lines).',
};

function describeError(e: ParseError, text: string): JsonSyntaxError {
  const start = Math.min(e.offset, text.length);
  if ((e.error === ParseErrorCode.PropertyNameExpected || e.error === ParseErrorCode.ValueExpected) && (text[start] === '}' || text[start] === ']')) {
    // jsonc-parser reports a trailing comma as a missing name or value at the closing bracket: point at the comma.
    let j = start - 1;
    while (j >= 0 && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r')) j--;
    if (text[j] === ',') return { message: `Trailing comma before ${text[start]} is not allowed in JSON.`, start: j, end: j + 1 };
  }
  return { message: MESSAGES[e.error] ?? printParseErrorCode(e.error), start, end: Math.min(text.length, start + Math.max(1, e.length)) };
}

function convert(node: JsoncNode): JNode {
  const start = node.offset;
  const end = node.offset + node.length;
  switch (node.type) {
    case 'object': {
      const properties: JProperty[] = [];
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (!k || !v) continue;
        properties.push({ key: { kind: 'string', value: String(k.value), start: k.offset, end: k.offset + k.length }, value: convert(v) });
      }
      return { kind: 'object', properties, start, end };
    }
    case 'array':
      return { kind: 'array', items: (node.children ?? []).map(convert), start, end };
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: node.type, value: node.value as string | number | boolean | null, start, end };
    default:
      return { kind: 'null', value: null, start, end };
  }
}

export function parseJsonWithRanges(text: string): { root?: JNode; error?: JsonSyntaxError } {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    return { error: describeError(errors[0], text) };
  }
  if (!tree) return { error: { message: 'Expected a value, found the end of the file.', start: text.length, end: text.length } };
  return { root: convert(tree) };
}
