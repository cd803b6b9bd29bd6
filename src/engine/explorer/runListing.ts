import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowRun, RunViewType } from '../mlflow/mlflowTypes';
import { formatDuration, formatMetric, formatTimestamp } from './formatting';

export { formatDuration, formatMetric, formatTimestamp };

export const PARENT_RUN_TAG = 'mlflow.parentRunId';

export interface RunPagerOptions {
  filter?: string;
  orderBy?: string[];
  pageSize?: number;
  viewType?: RunViewType;
}

/**
 * The runs of one experiment, newest first, loaded a page at a time (the tree's "Load more").
 * One request per page: nodes below a run are built from the run itself, never fetched per run.
 */
export class RunPager {
  readonly runs: MlflowRun[] = [];
  private nextPageToken: string | undefined;
  private started = false;
  private readonly byId = new Map<string, MlflowRun>();

  constructor(
    private readonly client: MlflowRestClient,
    readonly experimentId: string,
    readonly options: RunPagerOptions = {},
  ) {}

  get hasMore(): boolean {
    return !this.started || this.nextPageToken !== undefined;
  }

  async loadNextPage(signal?: AbortSignal): Promise<MlflowRun[]> {
    if (!this.hasMore) return [];
    const page = await this.client.searchRuns({
      experimentIds: [this.experimentId],
      filter: this.options.filter,
      orderBy: this.options.orderBy ?? ['attributes.start_time DESC'],
      maxResults: this.options.pageSize ?? 100,
      pageToken: this.nextPageToken,
      runViewType: this.options.viewType ?? 'ACTIVE_ONLY',
      signal,
    });
    this.started = true;
    this.nextPageToken = page.nextPageToken || undefined;
    for (const run of page.items) {
      if (this.byId.has(run.info.run_id)) continue;
      this.byId.set(run.info.run_id, run);
      this.runs.push(run);
    }
    return page.items;
  }

  get(runId: string): MlflowRun | undefined {
    return this.byId.get(runId);
  }

  /**
   * Runs shown at the experiment level: those without a parent, and those whose parent is not
   * loaded once every page is in (a parent outside the filter, or deleted).
   */
  topLevel(): MlflowRun[] {
    return this.runs.filter((run) => {
      const parent = parentRunId(run);
      return parent === undefined || (!this.byId.has(parent) && !this.hasMore);
    });
  }

  childrenOf(runId: string): MlflowRun[] {
    return this.runs.filter((run) => parentRunId(run) === runId);
  }

  /** Runs still running, which the tree refreshes until they end. */
  active(): MlflowRun[] {
    return this.runs.filter((run) => run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED');
  }
}

export function parentRunId(run: MlflowRun): string | undefined {
  return run.data.tags?.find((t) => t.key === PARENT_RUN_TAG)?.value;
}

export function tagValue(run: MlflowRun, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

/** What a run's tree row shows: the key metric, start time and duration. */
export function describeRun(run: MlflowRun, keyMetric: string | undefined, now = Date.now()): { label: string; description: string } {
  const label = run.info.run_name || run.info.run_id.slice(0, 8);
  const parts: string[] = [];
  if (keyMetric) {
    const metric = run.data.metrics?.find((m) => m.key === keyMetric);
    if (metric) parts.push(`${keyMetric}=${formatMetric(metric.value)}`);
  }
  parts.push(formatTimestamp(run.info.start_time));
  if (run.info.start_time) {
    const end = run.info.end_time ?? (run.info.status === 'RUNNING' ? now : undefined);
    if (end) parts.push(formatDuration(end - run.info.start_time));
  }
  return { label, description: parts.filter(Boolean).join(' · ') };
}
