// Tags typed by a person in one line, as the registry's tag lists take them.
/** "team=ml, dataset=2026-11" → tags; an entry without "key=" is an error naming it. */
export function parseTagList(text: string): { tags: { key: string; value: string }[]; error?: string } {
  const tags: { key: string; value: string }[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { tags, error: `'${part}' is not key=value.` };
    tags.push({ key: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
  }
  return { tags };
}
