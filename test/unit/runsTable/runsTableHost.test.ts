import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import type { MlflowRun, Page } from '../../../src/engine/mlflow/mlflowTypes';
import { DEFAULT_RUNS_TABLE_QUERY } from '../../../src/engine/runsTable/runsSearchExpression';
import { RunsTableHost, runsTableTitle, type RunsTableHostPorts } from '../../../src/engine/runsTable/runsTableHost';
import type { FromRunsTableMessage, ToRunsTableMessage } from '../../../webview/contract';

/** A server of `total` runs (offset page tokens) that counts its calls; getExperiment answers after `nameDelay` ms. */
function fakeClient(total: number, nameDelay = 0) {
  const calls: string[] = [];
  const client = {
    async getExperiment(id: string) {
      calls.push(`getExperiment ${id}`);
      await new Promise((r) => setTimeout(r, nameDelay));
      return { experiment_id: id, name: `read-${id}` };
    },
    async searchRuns(o: { pageToken?: string; maxResults?: number; filter?: string }): Promise<Page<MlflowRun>> {
      calls.push(`searchRuns ${o.pageToken ?? ''}/${o.maxResults}${o.filter ? ` ${o.filter}` : ''}`);
      if (o.filter?.includes('mlflow.parentRunId')) return { items: [], nextPageToken: undefined };
      const offset = o.pageToken ? Number(o.pageToken) : 0;
      const n = Math.min(o.maxResults ?? 1000, total - offset);
      return {
        items: Array.from({ length: n }, (_, i) => ({
          info: { run_id: `r${offset + i}`, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
          data: { params: [{ key: 'lr', value: '0.1' }], metrics: [] },
        })),
        nextPageToken: offset + n < total ? String(offset + n) : undefined,
      };
    },
  };
  return { calls, client: client as unknown as MlflowRestClient };
}

function host(client: MlflowRestClient, o: { names?: string[]; connectionGone?: boolean } = {}) {
  const posted: ToRunsTableMessage[] = [];
  const others: FromRunsTableMessage[] = [];
  const ports: RunsTableHostPorts = {
    connectionId: 'c1',
    client: () => {
      if (o.connectionGone) throw new Error('The tracking server c1 is not connected.\nConnect it in the Runs view.');
      return { client, label: 'local' };
    },
    post: (m) => posted.push(m),
    closed: () => false,
    layout: () => ({ hidden: ['params.lr'], pinned: [], widths: {}, order: [] }),
    starred: () => [],
    pageSize: () => 10,
    log: { error: () => undefined, warn: () => undefined },
  };
  const h = new RunsTableHost(ports, ['1'], DEFAULT_RUNS_TABLE_QUERY, o.names);
  const receive = (m: FromRunsTableMessage) => h.receive(m, (x) => others.push(x));
  return { h, posted, others, receive };
}

describe('runs table host (the panel side of the webview protocol)', () => {
  it("titles the table's tab after its experiments", () => {
    assert.equal(runsTableTitle(undefined), 'Runs', 'names not known yet');
    assert.equal(runsTableTitle([]), 'Runs');
    assert.equal(runsTableTitle(['sweep']), 'Runs: sweep');
    assert.equal(runsTableTitle(['a', 'b', 'c']), 'Runs: 3 experiments');
  });

  it('with the names given, reads no experiment and answers ready with init, then the query with the prefetched first rows', async () => {
    const { client, calls } = fakeClient(25);
    const { h, posted, receive } = host(client, { names: ['from the tree'] });
    await receive({ type: 'ready' });
    const init = posted.find((m) => m.type === 'init');
    assert.deepEqual(init && init.type === 'init' && init.experiments, [{ id: '1', name: 'from the tree' }]);
    assert.equal(init?.type === 'init' && init.connectionId, 'c1');
    assert.deepEqual(init?.type === 'init' && init.layout.hidden, ['params.lr']);
    await receive({ type: 'query', ...DEFAULT_RUNS_TABLE_QUERY, queryId: 1 });
    assert.ok(!calls.some((c) => c.startsWith('getExperiment')), `no experiment read: ${calls.join(', ')}`);
    assert.equal(calls.filter((c) => c === 'searchRuns /5').length, 1, 'the first rows were read once (the prefetch), not again for the query');
    const pages = posted.filter((m) => m.type === 'page');
    assert.deepEqual(
      pages.map((m) => m.type === 'page' && [m.index, m.rows.length, m.partial ?? false]),
      [[0, 5, true]],
      "the first screen's rows come alone",
    );
    await receive({ type: 'page', queryId: 1, index: 0 });
    assert.deepEqual(
      posted
        .filter((m) => m.type === 'page')
        .map((m) => m.type === 'page' && [m.index, m.rows.length, m.partial ?? false])
        .slice(1),
      [[0, 10, false]],
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      posted.some((m) => m.type === 'parents'),
      'after the whole first page, which runs have children is read',
    );
    h.dispose();
  });

  it('without names reads them; a query sent before init is answered after it', async () => {
    const { client, calls } = fakeClient(3, 30);
    const { h, posted, receive } = host(client);
    const ready = receive({ type: 'ready' });
    const query = receive({ type: 'query', ...DEFAULT_RUNS_TABLE_QUERY, queryId: 1 });
    await Promise.all([ready, query]);
    assert.deepEqual(
      posted.slice(0, 3).map((m) => m.type),
      ['init', 'query', 'page'],
      'the query waited for init although it came before the names',
    );
    assert.equal(posted[0].type === 'init' && posted[0].experiments[0].name, 'read-1');
    assert.equal(calls.filter((c) => c.startsWith('getExperiment')).length, 1);
    assert.deepEqual(h.experimentNames, { '1': 'read-1' });
    h.dispose();
  });

  it('gives what it does not answer to the panel, in order after init', async () => {
    const { client } = fakeClient(3);
    const { h, others, receive } = host(client, { names: ['x'] });
    await receive({ type: 'ready' });
    await receive({ type: 'copy', text: 'abc' });
    await receive({ type: 'star', runIds: ['r1'], starred: true });
    assert.deepEqual(
      others.map((m) => m.type),
      ['copy', 'star'],
    );
    h.dispose();
  });

  it('a connection that is gone: init is an error with retry, in the first line of its message', async () => {
    const { client } = fakeClient(3);
    const { h, posted, receive } = host(client, { connectionGone: true });
    await receive({ type: 'ready' });
    assert.deepEqual(posted, [{ type: 'error', message: 'Could not open the runs table: The tracking server c1 is not connected.', retry: true }]);
    h.dispose();
  });
});
