import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  validateChartLayout,
  validateFromWebview,
  validatePanelState,
  validateToWebview,
  type ToWebviewMessage,
  type Validation,
} from '../../../webview/contract';

function rejects(value: unknown, pattern: RegExp, validator: (v: unknown) => Validation<unknown> = validateFromWebview): void {
  const result = validator(value);
  assert.equal(result.ok, false, `accepted ${JSON.stringify(value)}`);
  if (!result.ok) assert.match(result.error, pattern);
}

describe('message contract: webview → extension', () => {
  it('accepts every well-formed message', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'loadHistories', requestId: 3, metricKeys: ['rmse', 'loss'], maxPoints: 1000 },
      { type: 'loadHistories', requestId: 4, metricKeys: ['rmse'], maxPoints: 300, range: { startStep: 100, endStep: 250 } },
      {
        type: 'loadHistories',
        requestId: 5,
        metricKeys: ['val_loss', 'loss'],
        maxPoints: 300,
        range: { startStep: 1, endStep: 2 },
        zoom: 'expr:val_loss - loss',
      },
      { type: 'setBetter', metric: 'rmse', higherIsBetter: true },
      { type: 'saveLayout', layout: { collapsedSections: ['system'], hiddenMetrics: ['train/acc'] } },
      { type: 'exportCsv', table: 'all' },
      { type: 'loadImages' },
      { type: 'loadImage', runId: 'r1', path: 'images/k+step+1+timestamp+2+u.png' },
      { type: 'copy', text: 'a\tb' },
      { type: 'retry' },
    ]) {
      const result = validateFromWebview(message);
      assert.ok(result.ok, JSON.stringify(result));
    }
  });

  it('rejects malformed messages with the path of the mistake', () => {
    rejects(null, /must be an object, not null/);
    rejects('ready', /must be an object, not string/);
    rejects([], /not an array/);
    rejects({}, /unknown type undefined/);
    rejects({ type: 'runCommand', command: 'rm -rf' }, /unknown type "runCommand"/);
    rejects({ type: 'toString' }, /unknown type "toString"/);
    rejects({ type: 'loadHistories', requestId: 1, metricKeys: 'rmse', maxPoints: 10 }, /loadHistories\.metricKeys must be an array/);
    rejects({ type: 'loadHistories', requestId: 1, metricKeys: ['rmse', 4], maxPoints: 10 }, /metricKeys\[1\] must be a string/);
    rejects({ type: 'loadHistories', requestId: 1, metricKeys: [], maxPoints: 1e9 }, /maxPoints must be an integer/);
    rejects({ type: 'loadHistories', requestId: -1, metricKeys: [], maxPoints: 10 }, /requestId must be an integer/);
    rejects(
      { type: 'loadHistories', requestId: 1, metricKeys: ['a'], maxPoints: 10, range: { startStep: 9, endStep: 3 } },
      /loadHistories\.range\.startStep must not be after fromWebview\.loadHistories\.range\.endStep/,
    );
    rejects(
      { type: 'loadHistories', requestId: 1, metricKeys: ['a'], maxPoints: 10, range: { startStep: 0.5, endStep: 3 } },
      /range\.startStep must be an integer/,
    );
    rejects({ type: 'loadHistories', requestId: 1, metricKeys: ['a'], maxPoints: 10, zoom: 'a' }, /loadHistories\.zoom needs a range/);
    rejects(
      { type: 'loadHistories', requestId: 1, metricKeys: ['a'], maxPoints: 10, range: { startStep: 0, endStep: 3 }, zoom: 7 },
      /loadHistories\.zoom must be a string/,
    );
    rejects({ type: 'setBetter', metric: 'rmse', higherIsBetter: 'yes' }, /higherIsBetter must be a boolean/);
    rejects({ type: 'saveLayout', layout: { collapsedSections: 'system', hiddenMetrics: [] } }, /saveLayout\.layout\.collapsedSections must be an array/);
    rejects({ type: 'exportCsv', table: '../../etc' }, /table must be one of/);
    rejects({ type: 'copy' }, /copy\.text must be a string, not undefined/);
  });
});

describe('message contract: extension → webview', () => {
  const runs: ToWebviewMessage = {
    type: 'runs',
    connectionId: 'http://127.0.0.1:5000',
    connectionLabel: 'local',
    missing: [],
    refreshing: false,
    comparison: {
      runs: [{ runId: 'a', name: 'A', experimentId: '1', status: 'FINISHED' }],
      params: [{ key: 'alpha', values: ['1'], differs: false }],
      metrics: [{ key: 'rmse', latest: [0.5], best: -1, higherIsBetter: false, differs: false }],
      tags: [],
    },
  };

  const column = (...values: number[]) => Float64Array.from(values);
  const series = { runId: 'a', metricKey: 'rmse', steps: column(0, 1), timestamps: column(1, 2), values: column(0.5, NaN), sampled: false, exact: true };
  const histories = { type: 'histories', requestId: 1, metricKeys: ['rmse'], source: 'bulk', errors: [{ metricKey: 'rmse', message: 'x' }], series: [series] };

  it('accepts runs, histories (Float64Array columns, NaN values; missing cells from JSON) and errors', () => {
    assert.ok(validateToWebview(runs).ok);
    assert.ok(validateToWebview({ ...runs, layout: { collapsedSections: ['val'], hiddenMetrics: [] } }).ok);
    // What JSON makes of [undefined] and NaN.
    assert.ok(
      validateToWebview(JSON.parse(JSON.stringify({ ...runs, comparison: { ...runs.comparison, params: [{ key: 'a', values: [undefined], differs: true }] } })))
        .ok,
    );
    assert.ok(validateToWebview(histories).ok);
    // What postMessage's structured clone delivers: typed arrays stay typed arrays (NaN kept).
    assert.ok(validateToWebview(structuredClone(histories)).ok);
    assert.ok(validateToWebview({ ...histories, range: { startStep: 0, endStep: 1 } }).ok);
    assert.ok(validateToWebview({ type: 'error', message: 'down', retry: 'runs' }).ok);
  });

  it('rejects malformed data', () => {
    rejects({ ...runs, comparison: { ...runs.comparison, runs: [{ runId: 1 }] } }, /comparison\.runs\[0\]\.runId must be a string/, validateToWebview);
    rejects(
      { ...runs, comparison: { ...runs.comparison, metrics: [{ key: 'rmse', latest: ['0.5'], best: 0, higherIsBetter: true, differs: false }] } },
      /latest\[0\] must be a number/,
      validateToWebview,
    );
    // Histories: columns must be Float64Arrays of one length (the old tuple form, JSON's idea of a typed array and plain arrays are refused).
    const withSeries = (patch: Record<string, unknown>) => ({ ...histories, series: [series, { ...series, ...patch }] });
    rejects(
      { ...histories, series: [{ runId: 'a', metricKey: 'm', points: [[0, 1, 2]], sampled: false, exact: true }] },
      /series\[0\]\.steps must be a Float64Array, not undefined/,
      validateToWebview,
    );
    rejects(withSeries({ values: [0.5, 1] }), /series\[1\]\.values must be a Float64Array, not an array/, validateToWebview);
    rejects(withSeries({ steps: JSON.parse(JSON.stringify(column(0, 1))) }), /series\[1\]\.steps must be a Float64Array, not object/, validateToWebview);
    rejects(withSeries({ timestamps: new Float32Array(2) }), /timestamps must be a Float64Array, not Float32Array/, validateToWebview);
    rejects(withSeries({ values: column(1) }), /series\[1\] has columns of different lengths \(steps 2, timestamps 2, values 1\)/, validateToWebview);
    rejects({ type: 'histories', requestId: 1, metricKeys: ['rmse'], source: 'ftp', errors: [], series: [] }, /source must be one of/, validateToWebview);
    rejects({ ...histories, metricKeys: undefined }, /histories\.metricKeys must be an array/, validateToWebview);
    rejects({ type: 'error', message: 'x', retry: 'maybe' }, /retry must be one of/, validateToWebview);
  });
});

describe('chart layout read back from storage', () => {
  it('accepts a layout and refuses what is not one', () => {
    assert.ok(validateChartLayout({ collapsedSections: [], hiddenMetrics: ['a'] }).ok);
    rejects({ collapsedSections: [] }, /layout\.hiddenMetrics must be an array, not undefined/, validateChartLayout);
    rejects('x', /layout must be an object/, validateChartLayout);
  });
});

describe('panel state', () => {
  it('accepts connection + run ids and rejects empty or malformed state', () => {
    assert.ok(validatePanelState({ connectionId: 'http://x', runIds: ['a', 'b'], tab: 'charts' }).ok);
    assert.equal(validatePanelState({ connectionId: 'http://x', runIds: [] }).ok, false);
    assert.equal(validatePanelState({ runIds: ['a'] }).ok, false);
    assert.ok(validateChartLayout({ collapsedSections: [], hiddenMetrics: [], expressions: ['val_loss - train_loss'] }).ok);
    assert.equal(validateChartLayout({ collapsedSections: [], hiddenMetrics: [], expressions: ['x'.repeat(501)] }).ok, false);
    // The Images tab: a listing, an image's bytes as binary of an image type, never SVG or a plain array.
    const listing = {
      type: 'images',
      runs: [
        {
          runId: 'r1',
          logged: [{ key: 'k', step: 1, timestamp: 2, path: 'images/k.png', compressedPath: 'images/k.webp' }],
          artifacts: [{ path: 'roc.png', size: 3 }],
          truncated: false,
        },
      ],
      errors: [],
    };
    assert.ok(validateToWebview(listing).ok);
    assert.ok(validateToWebview({ type: 'image', runId: 'r1', path: 'roc.png', mime: 'image/png', bytes: new Uint8Array([137, 80]) }).ok);
    assert.ok(validateToWebview({ type: 'image', runId: 'r1', path: 'roc.png', error: 'gone' }).ok);
    rejects(
      { type: 'image', runId: 'r1', path: 'x.svg', mime: 'image/svg+xml', bytes: new Uint8Array(1) },
      /toWebview\.image\.mime must be one of/,
      validateToWebview,
    );
    rejects(
      { type: 'image', runId: 'r1', path: 'x.png', mime: 'image/png', bytes: [1, 2] },
      /toWebview\.image\.bytes must be a Uint8Array, not an array/,
      validateToWebview,
    );
    rejects(
      { ...listing, runs: [{ ...listing.runs[0], logged: [{ key: 'k', step: 1.5, timestamp: 2, path: 'p' }] }] },
      /logged\[0\]\.step must be an integer/,
      validateToWebview,
    );
    // Runs of two connections: each with its connection; a malformed entry is refused with its path.
    const twoServers = {
      connectionId: 'http://x',
      runIds: ['a'],
      runs: [
        { connectionId: 'http://x', runId: 'a' },
        { connectionId: 'databricks', runId: 'd' },
      ],
    };
    assert.deepEqual(validatePanelState(twoServers), { ok: true, value: twoServers });
    rejects({ ...twoServers, runs: [{ connectionId: 'databricks' }] }, /state\.runs\[0\]\.runId must be a string/, validatePanelState);
    assert.equal(validatePanelState(undefined).ok, false);
  });
});
