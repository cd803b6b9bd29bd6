/**
 * MLflow builds the run command with Python's `command.format(**params)`, so a command is checked
 * by parsing it the way `str.format` does: `{{`/`}}` are literal braces, `{name...}` is a field.
 */
export interface FormatField {
  /** The name before any `.attr`, `[index]`, `!conversion` or `:spec`. */
  name: string;
  /** Offsets within the command string: the whole `{...}` field. */
  start: number;
  end: number;
}

export interface FormatParse {
  fields: FormatField[];
  /** What Python raises (ValueError text), and where. */
  error?: { message: string; start: number; end: number };
}

export function parsePythonFormat(s: string, nested = false): FormatParse {
  const fields: FormatField[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 125 /* } */) {
      if (s.charCodeAt(i + 1) === 125) {
        i += 2;
        continue;
      }
      return { fields, error: { message: "Single '}' encountered in format string", start: i, end: i + 1 } };
    }
    if (c !== 123 /* { */) {
      i++;
      continue;
    }
    if (s.charCodeAt(i + 1) === 123) {
      i += 2;
      continue;
    }
    // A field: find its closing brace, allowing one level of nested fields in the format spec.
    const start = i;
    let depth = 1;
    let j = i + 1;
    while (j < n && depth > 0) {
      const d = s.charCodeAt(j);
      if (d === 123) depth++;
      else if (d === 125) depth--;
      j++;
    }
    if (depth > 0) {
      return {
        fields,
        error: { message: i === n - 1 ? "Single '{' encountered in format string" : "expected '}' before end of string", start, end: n },
      };
    }
    // The name runs up to the first '.', '[', '!' or ':'.
    let k = start + 1;
    while (k < j - 1) {
      const d = s.charCodeAt(k);
      if (d === 46 || d === 91 || d === 33 || d === 58) break;
      k++;
    }
    const name = s.slice(start + 1, k);
    if (k < j - 1) {
      const inner = s.slice(start + 1, j - 1);
      const rest = inner.slice(name.length);
      const conv = /^(?:\.[^.[!:]*|\[[^\]]*\])*(?:!(.?))?/.exec(rest);
      if (conv && conv[1] !== undefined && !['r', 's', 'a'].includes(conv[1])) {
        return { fields, error: { message: `Unknown conversion specifier ${conv[1] || '\\x00'}`, start, end: j } };
      }
      fields.push({ name, start, end: j });
      // Nested fields inside the spec (e.g. {x:{width}}) are looked up too.
      const specAt = inner.indexOf(':', name.length);
      if (specAt !== -1) {
        // Python allows one level of nesting ({x:{width}}); deeper is "Max string recursion exceeded".
        // Stopping there also keeps this linear in the length of the command.
        const spec = inner.slice(specAt + 1);
        if (nested && spec.includes('{')) return { fields, error: { message: 'Max string recursion exceeded', start, end: j } };
        const inside = parsePythonFormat(spec, true);
        if (inside.error)
          return {
            fields,
            error: { message: inside.error.message, start: start + 1 + specAt + 1 + inside.error.start, end: start + 1 + specAt + 1 + inside.error.end },
          };
        for (const f of inside.fields) fields.push({ name: f.name, start: start + 1 + specAt + 1 + f.start, end: start + 1 + specAt + 1 + f.end });
      }
    } else fields.push({ name, start, end: j });
    i = j;
  }
  return { fields };
}
