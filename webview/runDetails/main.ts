// The "Run details" webview: overview, params, metrics (with sparklines), tags, artifacts and the
// registered model versions of one run. Receives data from the extension
// (src/extension/runDetails/runDetailsPanel.ts) through the validated contract; fetches nothing itself.
import 'uplot/dist/uPlot.min.css';
import '../shared/panel.css';
import './runDetails.css';
import uPlot from 'uplot';
import {
  validateToRunDetails,
  type FromRunDetailsMessage,
  type KeyValue,
  type RunDetails,
  type RunMetric,
  type RunDetailsPanelState,
  type ToRunDetailsMessage,
} from '../contract';
import { receiveValidated } from '../shared/panelMessages';
import { PanelStatus } from '../shared/panelStatus';
import { vsCodeApi } from '../shared/vscodeApi';
import { h } from '../shared/components';
import { button } from '../shared/toolkitControls';
import { themeColors } from '../shared/themeColors';
import { formatValue } from '../shared/formatValue';
import { formatBytes, formatDuration, formatTimestamp } from '../../src/engine/explorer/formatting';
import type { MlflowFileInfo } from '../../src/engine/mlflow/mlflowTypes';

const vscode = vsCodeApi<FromRunDetailsMessage>();
const app = document.getElementById('app')!;
const panelStatus = new PanelStatus('Loading the run…', 4000, () => post({ type: 'retry' }));

let details: RunDetails | undefined;
let connectionLabel = '';
let refreshing = false;
let sparklines: uPlot[] = [];
/** Artifact folder → its files once listed (undefined while loading), and which folders are open. */
const folders = new Map<string, MlflowFileInfo[] | { error: string } | undefined>();
const expanded = new Set<string>();
/** Whether the system tags are unfolded (kept across the re-renders of a running run). */
let systemTagsOpen = false;

function post(message: FromRunDetailsMessage): void {
  vscode.postMessage(message);
}

receiveValidated('Run details', validateToRunDetails, receive);

function receive(message: ToRunDetailsMessage): void {
  switch (message.type) {
    case 'loading':
      if (!details) {
        panelStatus.loading(message.what);
        render();
      }
      return;
    case 'details': {
      details = message.details;
      connectionLabel = message.connectionLabel;
      refreshing = message.refreshing;
      panelStatus.loaded();
      const state: RunDetailsPanelState = { connectionId: message.connectionId, runId: message.details.overview.runId };
      vscode.setState(state);
      // Folders listed before may have changed (a running run logs more): list the open ones again.
      folders.clear();
      for (const path of expanded) post({ type: 'listArtifacts', path });
      render();
      return;
    }
    case 'artifacts':
      folders.set(message.path, message.error ? { error: message.error } : message.files);
      render();
      return;
    case 'error':
      panelStatus.failed(message.message, message.retry);
      details = undefined;
      render();
      return;
    case 'notice':
      panelStatus.notice(message.message);
      return;
  }
}

function render(): void {
  for (const s of sparklines) s.destroy();
  sparklines = [];
  if (panelStatus.showsInstead(app, details !== undefined) || !details) return;
  const d = details;
  const scrollY = window.scrollY;
  app.replaceChildren(
    header(d),
    problems(d),
    section('overview', 'Overview', overview(d)),
    section('params', `Parameters (${d.params.length})`, keyValueTable('params', d.params, 'This run logged no parameters.')),
    section('metrics', `Metrics (${d.metrics.length})`, metricsTable(d.metrics)),
    section('tags', `Tags (${d.tags.length})`, keyValueTable('tags', d.tags, 'No tags of your own.'), systemTags(d.systemTags)),
    section('artifacts', 'Artifacts', artifactList(d.artifacts, 0)),
    section('models', `Registered model versions (${d.modelVersions.length})`, modelsTable(d)),
    panelStatus.line,
  );
  drawSparklines(d.metrics);
  window.scrollTo(0, scrollY);
}

function header(d: RunDetails): HTMLElement {
  const o = d.overview;
  return h(
    'header',
    { className: 'header' },
    h(
      'h1',
      {},
      h('span', { className: `status ${o.status.toLowerCase()}`, 'aria-hidden': 'true' }),
      o.runName || o.runId,
      h('span', { className: 'connection' }, ` on ${connectionLabel}`),
    ),
    h('span', { className: `badge run-status ${o.status.toLowerCase()}` }, o.status.toLowerCase()),
    refreshing ? h('span', { className: 'badge', title: 'The run is still running: the panel re-reads it every few seconds.' }, 'live') : null,
    o.lifecycleStage === 'deleted' ? h('span', { className: 'warning' }, 'deleted') : null,
    h('span', { className: 'spacer' }),
    button('Compare with Previous Run', () => post({ type: 'compareWithPrevious' }), { secondary: true }),
    button('Copy Run ID', () => post({ type: 'copy', text: o.runId }), { secondary: true }),
  );
}

function problems(d: RunDetails): HTMLElement | string {
  if (d.problems.length === 0) return '';
  return h(
    'div',
    { className: 'warning problems', role: 'alert' },
    h('p', {}, 'Some parts could not be loaded:'),
    h('ul', {}, ...d.problems.map((p) => h('li', {}, `${p.section}: ${p.message}`))),
    button('Retry', () => post({ type: 'retry' })),
  );
}

function section(id: string, title: string, ...content: (Node | string)[]): HTMLElement {
  return h('section', { className: `block ${id}`, 'aria-labelledby': `h-${id}` }, h('h2', { id: `h-${id}` }, title), ...content);
}

function overview(d: RunDetails): HTMLElement {
  const o = d.overview;
  const rows: [string, Node | string | undefined][] = [
    ['Status', o.status],
    ['Run ID', h('code', {}, o.runId)],
    ['Experiment', o.experimentName ? `${o.experimentName} (id ${o.experimentId})` : `id ${o.experimentId}`],
    ['Started', o.startTime ? formatTimestamp(o.startTime) : undefined],
    ['Ended', o.endTime ? formatTimestamp(o.endTime) : o.startTime && refreshing ? 'still running' : undefined],
    ['Duration', o.durationMs !== undefined ? formatDuration(o.durationMs) || '0s' : undefined],
    ['User', o.user],
    ['Source', o.sourceName ? `${o.sourceName}${o.sourceType ? ` (${o.sourceType})` : ''}` : o.sourceType],
    ['Entry point', o.entryPoint],
    ['Parent run', o.parentRunId ? h('code', {}, o.parentRunId) : undefined],
    ['Git commit', gitCommit(d)],
    ['Git branch', o.gitBranch],
    ['Repository', o.gitRepoUrl],
    ['Artifact URI', o.artifactUri ? h('code', {}, o.artifactUri) : undefined],
  ];
  return h(
    'dl',
    { className: 'overview-grid' },
    ...rows.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', { dataset: { field: k } }, v!)]),
  );
}

function gitCommit(d: RunDetails): Node | string | undefined {
  const o = d.overview;
  if (!o.gitCommit) return undefined;
  const short = o.gitCommit.slice(0, 12);
  if (!o.gitCommitUrl) return h('code', { title: o.gitCommit }, short);
  const hosts = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket', azure: 'Azure DevOps' };
  // The extension opens the URL it computed; the link's href is for display and hover only.
  return h(
    'a',
    {
      href: o.gitCommitUrl,
      className: 'commit-link',
      title: `Open commit ${o.gitCommit} on ${o.gitHost ? hosts[o.gitHost] : 'the web'}`,
      onclick: (e: Event) => {
        e.preventDefault();
        post({ type: 'openCommit' });
      },
    },
    h('code', {}, short),
    o.gitHost ? ` on ${hosts[o.gitHost]}` : '',
  );
}

function keyValueTable(kind: string, rows: KeyValue[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { className: 'empty' }, empty);
  return h(
    'div',
    { className: 'scroll' },
    h(
      'table',
      { className: `grid ${kind}` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            { dataset: { key: r.key } },
            h('th', { scope: 'row', className: 'key' }, r.key),
            h('td', { className: 'value', title: r.value, ondblclick: () => post({ type: 'copy', text: r.value }) }, r.value),
          ),
        ),
      ),
    ),
  );
}

function systemTags(rows: KeyValue[]): HTMLElement | string {
  if (rows.length === 0) return '';
  const fold = h(
    'details',
    { className: 'system-tags', open: systemTagsOpen },
    h('summary', {}, `System tags (mlflow.*): ${rows.length}`),
    keyValueTable('system-tags', rows, ''),
  );
  fold.addEventListener('toggle', () => (systemTagsOpen = fold.open));
  return fold;
}

function metricsTable(metrics: RunMetric[]): HTMLElement {
  if (metrics.length === 0) return h('p', { className: 'empty' }, 'This run logged no metrics.');
  const value = (v: number | null | undefined, text?: string) => (v === null ? (text ?? '') : formatValue(v));
  return h(
    'div',
    { className: 'scroll' },
    h(
      'table',
      { className: 'grid metrics' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Metric', 'Latest', 'Min', 'Max', 'Step', 'History'].map((t, i) => h('th', { scope: 'col', className: i >= 1 && i <= 4 ? 'num' : '' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...metrics.map((m) =>
          h(
            'tr',
            { dataset: { key: m.key } },
            h('th', { scope: 'row', className: 'key' }, m.key),
            h('td', { className: 'latest num', title: m.latestText }, value(m.latest, m.latestText)),
            h('td', { className: 'min num', title: m.exact ? '' : "Over the server's sample of the history" }, value(m.min)),
            h('td', { className: 'max num', title: m.exact ? '' : "Over the server's sample of the history" }, value(m.max)),
            h('td', { className: 'num' }, String(m.step)),
            h('td', { className: 'spark', dataset: { metric: m.key } }),
          ),
        ),
      ),
    ),
  );
}

/** One small uPlot line per metric with a history of two points or more. */
function drawSparklines(metrics: RunMetric[]): void {
  const colors = themeColors();
  for (const m of metrics) {
    const cell = app.querySelector<HTMLElement>(`td.spark[data-metric="${CSS.escape(m.key)}"]`);
    if (!cell || m.history.length < 2) continue;
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (const [step, , v] of m.history) {
      // uPlot wants strictly increasing x: the last value logged at a step wins.
      if (xs.length > 0 && xs[xs.length - 1] === step) ys[ys.length - 1] = v;
      else {
        xs.push(step);
        ys.push(v);
      }
    }
    const chart = new uPlot(
      {
        width: 160,
        height: 34,
        legend: { show: false },
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: false } },
        padding: [3, 2, 3, 2],
        series: [{}, { stroke: colors.palette[0], width: 1.5, points: { show: false } }],
      },
      [xs, ys],
      cell,
    );
    cell.title = `${m.key}: ${m.history.length} points from step ${xs[0]} to ${xs[xs.length - 1]}`;
    sparklines.push(chart);
  }
}

function artifactList(files: MlflowFileInfo[], depth: number): HTMLElement {
  if (files.length === 0 && depth === 0) return h('p', { className: 'empty' }, 'No artifacts.');
  return h(
    'ul',
    { className: depth === 0 ? 'artifacts' : 'artifacts nested', role: depth === 0 ? 'tree' : 'group' },
    ...files.map((f) => {
      const name = f.path.split('/').pop() ?? f.path;
      if (!f.is_dir) {
        return h(
          'li',
          { role: 'treeitem' },
          h(
            'button',
            {
              type: 'button',
              className: 'link artifact-file',
              title: `Open ${f.path}`,
              dataset: { path: f.path },
              onclick: () => post({ type: 'openArtifact', path: f.path }),
            },
            name,
          ),
          f.file_size !== undefined ? h('span', { className: 'hint' }, ` ${formatBytes(f.file_size)}`) : '',
        );
      }
      const open = expanded.has(f.path);
      const listed = folders.get(f.path);
      const toggle = () => {
        if (expanded.has(f.path)) expanded.delete(f.path);
        else {
          expanded.add(f.path);
          if (!folders.has(f.path)) {
            folders.set(f.path, undefined);
            post({ type: 'listArtifacts', path: f.path });
          }
        }
        render();
      };
      const children = !open
        ? ''
        : listed === undefined
          ? h('p', { className: 'hint' }, 'Loading…')
          : 'error' in listed
            ? h('p', { className: 'warning' }, listed.error)
            : artifactList(listed, depth + 1);
      return h(
        'li',
        { role: 'treeitem', 'aria-expanded': String(open) },
        h('button', { type: 'button', className: 'link artifact-folder', dataset: { path: f.path }, onclick: toggle }, `${open ? '▾' : '▸'} ${name}/`),
        children,
      );
    }),
  );
}

function modelsTable(d: RunDetails): HTMLElement {
  if (d.modelVersions.length === 0) return h('p', { className: 'empty' }, 'No registered model version comes from this run.');
  return h(
    'div',
    { className: 'scroll' },
    h(
      'table',
      { className: 'grid models' },
      h('thead', {}, h('tr', {}, ...['Model', 'Version', 'Stage', 'Aliases', 'Status', 'Registered'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...d.modelVersions.map((v) =>
          h(
            'tr',
            { dataset: { model: v.name, version: v.version } },
            h('th', { scope: 'row', className: 'key' }, v.name),
            h('td', {}, `Version ${v.version}`),
            h('td', {}, v.stage ?? ''),
            h('td', {}, ...v.aliases.map((a) => h('span', { className: 'badge alias' }, `@${a}`))),
            h('td', {}, v.status ?? ''),
            h('td', {}, v.creationTimestamp ? formatTimestamp(v.creationTimestamp) : ''),
          ),
        ),
      ),
    ),
  );
}

render();
post({ type: 'ready' });
