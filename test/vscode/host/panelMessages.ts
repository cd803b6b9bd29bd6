import type * as vscode from 'vscode';

/** What the webview panels (compare, run details) expose of the messages they post, for tests. */
export interface PostingPanel<M extends { type: string }> {
  readonly posted: readonly M[];
  readonly onDidPost: vscode.Event<M>;
}

/** The next message `panel` posts matching `accept` (or the last one already posted), within `ms`. */
export function nextMessage<M extends { type: string }, T extends M>(
  panel: PostingPanel<M>,
  accept: (m: M) => m is T,
  ms = 30_000,
  includePast = true,
): Promise<T> {
  const past = includePast ? panel.posted.filter(accept).at(-1) : undefined;
  if (past) return Promise.resolve(past);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching message in ${ms} ms; posted: ${panel.posted.map((m) => m.type).join(', ')}`));
    }, ms);
    const sub = panel.onDidPost((m) => {
      if (accept(m)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(m);
      }
    });
  });
}
