/**
 * Where PyYAML (MLflow's YAML reader) stops on a tab. Its scanner skips only spaces between tokens,
 * so a tab anywhere outside a quoted scalar, a comment or the content of a block scalar is
 * "found character '\t' that cannot start any token" — including after a value (`name: env\t`),
 * which YAML 1.2 parsers such as the `yaml` package accept. One pass over the text.
 */
export function pyyamlTabError(text: string): number | undefined {
  if (!text.includes('\t')) return undefined;
  const n = text.length;
  let i = 0;
  let flowDepth = 0;
  /** Indentation of the line holding a block scalar indicator (| or >) whose content follows. */
  let blockParent = -1;
  let blockIndent = -1;
  let inQuote = 0; // 0, 34 ("), 39 (')
  while (i < n) {
    // Start of a line.
    const lineStart = i;
    let indent = 0;
    while (i < n && text.charCodeAt(i) === 32) {
      i++;
      indent++;
    }
    if (blockParent >= 0 && inQuote === 0) {
      const c = text.charCodeAt(i);
      const blank = i >= n || c === 10 || c === 13;
      // The first content line sets the block's indentation; a line indented less ends it.
      if (!blank && blockIndent === -1 && indent > blockParent) blockIndent = indent;
      if (blank || (blockIndent !== -1 && indent >= blockIndent)) {
        // Block scalar content (or a blank line inside it): anything goes until the line ends.
        const nl = text.indexOf('\n', i);
        i = nl === -1 ? n : nl + 1;
        continue;
      }
      blockParent = -1;
      blockIndent = -1;
    }
    let tokenStart = inQuote === 0;
    let prev = i > lineStart ? 32 : 10;
    // A block scalar's content must be indented more than the key it belongs to (`- k: |` → k's
    // column) or than the dash of a sequence entry (`- |`).
    let lastIndicator = 10;
    let keyColumn = indent;
    let dashColumn = indent;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        i++;
        break;
      }
      if (inQuote === 34) {
        if (c === 92) i++;
        else if (c === 34) inQuote = 0;
        prev = c;
        continue;
      }
      if (inQuote === 39) {
        if (c === 39) {
          if (text.charCodeAt(i + 1) === 39) i++;
          else inQuote = 0;
        }
        prev = c;
        continue;
      }
      if (c === 9) return i;
      if (c === 32 || c === 13) {
        prev = c;
        continue;
      }
      if (c === 35 && (prev === 32 || prev === 10)) {
        // A comment: skip to the end of the line.
        const nl = text.indexOf('\n', i);
        i = (nl === -1 ? n : nl) - 1; // the loop's i++ lands on the line break
        continue;
      }
      const column = i - lineStart;
      if (tokenStart && (lastIndicator === 10 || lastIndicator === 45) && !(c === 45 && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10)))
        keyColumn = column;
      if (c === 45 && tokenStart) dashColumn = column;
      if (tokenStart && (c === 34 || c === 39)) inQuote = c;
      else if (tokenStart && (c === 91 || c === 123)) flowDepth++;
      else if (flowDepth > 0 && (c === 93 || c === 125)) flowDepth--;
      else if (tokenStart && flowDepth === 0 && (c === 124 || c === 62)) {
        blockParent = lastIndicator === 45 ? dashColumn : keyColumn;
        blockIndent = -1;
      }
      const next = text.charCodeAt(i + 1);
      const followedBySpace = i + 1 >= n || next === 32 || next === 9 || next === 10 || next === 13;
      // The next token may start a quoted scalar, a flow collection or a block scalar.
      tokenStart =
        c === 91 || c === 123 || (flowDepth > 0 && c === 44) || ((c === 58 || c === 45 || c === 63) && (followedBySpace || (flowDepth > 0 && c === 58)));
      if (tokenStart) lastIndicator = c;
      if (tokenStart && (c === 58 || c === 45 || c === 63)) {
        // Skip the spaces after the indicator, keeping tokenStart for what follows them.
        while (text.charCodeAt(i + 1) === 32) i++;
        prev = 32;
        continue;
      }
      prev = c;
    }
  }
  return undefined;
}
