// A list the explorer reads a page at a time ("Load more…" under a tree node): what is read so far
// and where the next page starts, kept per node.
import type { Page } from '../mlflow/mlflowTypes';

export interface PagedList<T> {
  items: T[];
  /** Undefined once the last page is read. */
  nextPageToken?: string;
}

/** Reads the next page of the list kept under `key` (its first page when there is none yet) and appends it. */
export async function loadNextPage<T>(lists: Map<string, PagedList<T>>, key: string, read: (pageToken: string | undefined) => Promise<Page<T>>): Promise<void> {
  const list = lists.get(key) ?? { items: [] };
  const page = await read(list.nextPageToken);
  list.items.push(...page.items);
  list.nextPageToken = page.nextPageToken || undefined;
  lists.set(key, list);
}
