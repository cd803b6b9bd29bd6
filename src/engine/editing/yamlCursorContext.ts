/**
 * Where a cursor stands in a block-style YAML file such as MLproject, found from indentation alone,
 * so completion and hover work on half-typed documents that do not parse.
 */
export interface YamlCursorContext {
  /** Keys of the enclosing mappings, outermost first (e.g. ['entry_points', 'main', 'parameters']). */
  path: string[];
  /** The cursor is where a key is typed (start of a line, or inside a flow mapping after `{` or `,`). */
  inKey: boolean;
  /** The key whose value the cursor is in, if any (e.g. 'type' in `alpha: {type: fl|`). */
  valueKey?: string;
  /** The key the cursor is on (for hover), if any. */
  keyUnderCursor?: string;
  /** The text of the current line before the cursor. */
  linePrefix: string;
}

const KEY_LINE = /^(\s*(?:-\s+)?)([A-Za-z0-9_.-]+)\s*:(?:\s|$)/;

interface OpenKey {
  indent: number;
  key: string;
}

/** The chain of keys open at each key line, walking the text top-down by indentation. */
function forEachKeyLine(text: string, end: number, visit: (stack: OpenKey[], key: string, indent: number) => void): OpenKey[] {
  const stack: OpenKey[] = [];
  let start = 0;
  while (start < end) {
    const lineEnd = text.indexOf('\n', start);
    const stop = lineEnd === -1 || lineEnd > end ? end : lineEnd;
    const line = text.slice(start, stop);
    const match = KEY_LINE.exec(line);
    if (match) {
      const indent = match[1].length;
      while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
      visit(stack, match[2], indent);
      stack.push({ indent, key: match[2] });
    }
    if (lineEnd === -1) break;
    start = lineEnd + 1;
  }
  return stack;
}

export function yamlContextAt(text: string, offset: number): YamlCursorContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nextBreak = text.indexOf('\n', offset);
  const line = text.slice(lineStart, nextBreak === -1 ? text.length : nextBreak);
  const linePrefix = text.slice(lineStart, offset);
  const keyMatch = KEY_LINE.exec(line);
  const indent = keyMatch ? keyMatch[1].length : /^\s*/.exec(line)![0].length;

  const stack = forEachKeyLine(text, lineStart, () => undefined);
  while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
  const context: YamlCursorContext = { path: stack.map((k) => k.key), inKey: false, linePrefix };

  if (keyMatch) {
    const keyStart = lineStart + keyMatch[1].length;
    if (offset >= keyStart && offset <= keyStart + keyMatch[2].length) context.keyUnderCursor = keyMatch[2];
  }

  const prefixKey = /^\s*(?:-\s+)?([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(linePrefix);
  if (!prefixKey) {
    // A continuation line of a block scalar (`command: |`) belongs to that key's value.
    if (context.path.at(-1) === 'command' && indent > 0) {
      context.valueKey = context.path.pop();
      return context;
    }
    context.inKey = /^\s*(?:-\s+)?[A-Za-z0-9_.-]*$/.test(linePrefix);
    return context;
  }
  const [, key, rest] = prefixKey;
  const open = rest.lastIndexOf('{');
  if (key !== 'command' && open !== -1 && rest.indexOf('}', open) === -1) {
    // Inside `{type: float, default: 1}`: the keys there are one level deeper.
    context.path.push(key);
    const inner = /(?:^|,)\s*([A-Za-z0-9_.-]*)(\s*:\s*[^,]*)?$/.exec(rest.slice(open + 1));
    if (inner && inner[2] === undefined) context.inKey = true;
    else if (inner) context.valueKey = inner[1];
    return context;
  }
  context.valueKey = key;
  return context;
}

/** Is the cursor right after an unclosed `{` inside a command (where a parameter name goes)? */
export function isInCommandPlaceholder(context: YamlCursorContext): boolean {
  if (context.valueKey !== 'command') return false;
  const open = context.linePrefix.lastIndexOf('{');
  return open !== -1 && context.linePrefix.indexOf('}', open) === -1 && /^[A-Za-z0-9_]*$/.test(context.linePrefix.slice(open + 1));
}

/** Parameter names declared under entry_points.<entryPoint>.parameters, by indentation (works while typing). */
export function declaredParameters(text: string, entryPoint: string): string[] {
  const names: string[] = [];
  forEachKeyLine(text, text.length, (stack, key) => {
    if (stack.length === 3 && stack[0].key === 'entry_points' && stack[1].key === entryPoint && stack[2].key === 'parameters') {
      names.push(key);
    }
  });
  return names;
}
