/** A JSON parser that keeps the source offsets of every value, so problems point at the exact text. */
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

class JsonParseError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

export function parseJsonWithRanges(text: string): { root?: JNode; error?: JsonSyntaxError } {
  let i = 0;
  const n = text.length;
  const fail = (message: string, at = i, len = 1): never => {
    throw new JsonParseError(message, Math.min(at, n), Math.min(at + len, n));
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else if (c === 47 && text.charCodeAt(i + 1) === 47) fail('Comments are not allowed in JSON.', i, 2);
      else break;
    }
  };
  const describeAt = () => (i >= n ? 'the end of the file' : `'${text[i]}'`);
  const str = (): JScalar & { kind: 'string'; value: string } => {
    const start = i;
    i++;
    let out = '';
    let chunk = i;
    while (true) {
      if (i >= n) fail('Unterminated string: add the closing ".', start, 1);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 10 || c === 13) fail('Unterminated string: a string cannot span lines; add the closing ".', start, i - start);
      if (c === 92) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\u escape: it needs 4 hex digits.', i, 2);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in map) {
          out += map[e];
          i += 2;
        } else fail(`Invalid escape '\\${e ?? ''}' in string.`, i, 2);
        chunk = i;
        continue;
      }
      i++;
    }
    out += text.slice(chunk, i);
    i++;
    return { kind: 'string', value: out, start, end: i };
  };
  const value = (depth: number): JNode => {
    if (depth > 200) fail('JSON nested too deeply.');
    ws();
    if (i >= n) fail('Expected a value, found the end of the file.', n, 0);
    const c = text[i];
    const start = i;
    if (c === '{') {
      i++;
      const properties: JProperty[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', properties, start, end: i };
      }
      while (true) {
        ws();
        if (text[i] === '}') fail('Trailing comma before } is not allowed in JSON.', i - 1);
        if (text[i] !== '"') fail(`Expected a property name in double quotes, found ${describeAt()}.`);
        const key = str();
        ws();
        if (text[i] !== ':') fail(`Expected ':' after the property name "${key.value}", found ${describeAt()}.`);
        i++;
        properties.push({ key, value: value(depth + 1) });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', properties, start, end: i };
        }
        fail(`Expected ',' or '}' after a property value, found ${describeAt()}.`);
      }
    }
    if (c === '[') {
      i++;
      const items: JNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items, start, end: i };
      }
      while (true) {
        ws();
        if (text[i] === ']') fail('Trailing comma before ] is not allowed in JSON.', i - 1);
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', items, start, end: i };
        }
        fail(`Expected ',' or ']' after an array item, found ${describeAt()}.`);
      }
    }
    if (c === '"') return str();
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
    num.lastIndex = i;
    const m = num.exec(text);
    if (m && m[0] !== '-') {
      i += m[0].length;
      return { kind: 'number', value: Number(m[0]), start, end: i };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: v === null ? 'null' : 'boolean', value: v, start, end: i };
      }
    }
    const word = /^[^\s,:{}[\]"]+/.exec(text.slice(i, i + 60));
    return fail(`Unexpected ${word ? `'${word[0]}'` : describeAt()}: expected a JSON value (string in double quotes, number, true, false, null, object or array).`, i, word ? word[0].length : 1);
  };
  try {
    const root = value(0);
    ws();
    if (i < n) fail(`Unexpected ${describeAt()} after the end of the JSON value.`);
    return { root };
  } catch (e) {
    if (e instanceof JsonParseError) return { error: { message: e.message, start: e.start, end: Math.max(e.end, e.start) } };
    throw e;
  }
}
