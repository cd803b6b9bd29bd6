import { baselineDiff, type BaselineCell, type BaselineRow } from '../../src/engine/compare/baselineDiff';
import type { Comparison, DiffRow, MetricRow } from '../contract';
import { h } from '../shared/components';
import { button, checkbox, select, textField } from '../shared/toolkitControls';
import { formatValue } from '../shared/formatValue';

export interface TableActions {
  copy: (text: string) => void;
  exportCsv: (table: 'params' | 'metrics' | 'tags' | 'all') => void;
  setBetter: (metric: string, higherIsBetter: boolean) => void;
  hideIdentical: boolean;
  setHideIdentical: (hide: boolean) => void;
  /** Rows shown only when their key contains this text (any case); empty or absent: all. */
  keyFilter?: string;
  setKeyFilter?: (text: string) => void;
}

function keyMatches(key: string, filter: string | undefined): boolean {
  return !filter || key.toLowerCase().includes(filter.toLowerCase());
}

/**
 * The key filter of a table: hides non-matching rows in place as you type (the field keeps its
 * focus; nothing is rebuilt), and says when nothing matches.
 */
function keyFilterField(actions: TableActions, tbody: HTMLElement, noMatch: HTMLElement): HTMLElement {
  const apply = (filter: string) => {
    let shown = 0;
    for (const row of tbody.querySelectorAll<HTMLTableRowElement>('tr[data-key]')) {
      row.hidden = !keyMatches(row.dataset.key ?? '', filter);
      if (!row.hidden) shown++;
    }
    noMatch.hidden = shown > 0 || tbody.childElementCount === 0;
  };
  apply(actions.keyFilter ?? '');
  return textField(
    'Filter',
    actions.keyFilter ?? '',
    (text) => {
      actions.setKeyFilter?.(text);
      apply(text);
    },
    { placeholder: 'key contains…', name: 'key-filter', title: 'Show only the rows whose key contains this text' },
  );
}

function runHeaders(comparison: Comparison): HTMLTableCellElement[] {
  return comparison.runs.map((r) =>
    h(
      'th',
      { scope: 'col', title: `${r.name}\n${r.runId}\n${r.status}` },
      h('span', { className: `status ${r.status.toLowerCase()}`, 'aria-label': r.status.toLowerCase() }),
      r.name,
    ),
  );
}

/** Params or tags: differing rows highlighted (class `differs`) and already sorted first by the engine. */
export function diffTable(kind: 'params' | 'tags', comparison: Comparison, actions: TableActions): HTMLElement {
  const rows = comparison[kind];
  const shown = actions.hideIdentical ? rows.filter((r) => r.differs) : rows;
  const differing = rows.filter((r) => r.differs).length;
  const tbody = h('tbody', {}, ...shown.map((row) => diffRow(row)));
  const noMatch = h('p', { className: 'empty' }, `No ${kind === 'params' ? 'parameter' : 'tag'} key contains the filter text.`);
  const toolbar = h(
    'div',
    { className: 'toolbar' },
    checkbox('Hide identical', actions.hideIdentical, actions.setHideIdentical, {
      name: 'hide-identical',
      title: 'Show only rows whose values differ between runs',
    }),
    rows.length > 0 ? keyFilterField(actions, tbody, noMatch) : null,
    h('span', { className: 'summary' }, `${differing} of ${rows.length} ${kind} differ`),
    h('span', { className: 'spacer' }),
    button(
      'Copy table',
      () =>
        actions.copy(
          tsv(
            comparison,
            shown.filter((r) => keyMatches(r.key, actions.keyFilter)),
          ),
        ),
      { secondary: true, title: 'Copy as tab-separated text (pastes into spreadsheets)' },
    ),
    button('Export CSV', () => actions.exportCsv(kind), { secondary: true }),
  );
  if (rows.length === 0) return h('div', {}, toolbar, h('p', { className: 'empty' }, `None of these runs has ${kind}.`));
  const table = h(
    'table',
    { className: `grid ${kind}` },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', className: 'key' }, kind === 'params' ? 'Parameter' : 'Tag'), ...runHeaders(comparison))),
    tbody,
  );
  return h(
    'div',
    {},
    toolbar,
    h('div', { className: 'scroll' }, table),
    noMatch,
    shown.length === 0 ? h('p', { className: 'empty' }, `All ${kind} are identical.`) : null,
  );
}

function diffRow(row: DiffRow): HTMLTableRowElement {
  return h(
    'tr',
    { className: row.differs ? 'differs' : '', dataset: { key: row.key } },
    h('th', { scope: 'row', className: 'key', title: row.key }, row.key),
    ...row.values.map((v) => (v === undefined || v === null ? h('td', { className: 'missing', title: 'not set' }, '—') : h('td', { title: v }, v))),
  );
}

/** Metrics: latest, min and max per run; the best run of a row is marked; the arrow flips the direction. */
export function metricsTable(comparison: Comparison, actions: TableActions): HTMLElement {
  const rows = actions.hideIdentical ? comparison.metrics.filter((m) => m.differs) : comparison.metrics;
  const tbody = h('tbody', {}, ...rows.map((m) => metricRow(m, actions)));
  const noMatch = h('p', { className: 'empty' }, 'No metric key contains the filter text.');
  const toolbar = h(
    'div',
    { className: 'toolbar' },
    checkbox('Hide identical', actions.hideIdentical, actions.setHideIdentical, { name: 'hide-identical' }),
    comparison.metrics.length > 0 ? keyFilterField(actions, tbody, noMatch) : null,
    h('span', { className: 'summary' }, 'Best run per metric: ★. Click ↑/↓ to flip which way is better.'),
    h('span', { className: 'spacer' }),
    button(
      'Copy table',
      () =>
        actions.copy(
          metricsTsv(
            comparison,
            rows.filter((m) => keyMatches(m.key, actions.keyFilter)),
          ),
        ),
      { secondary: true },
    ),
    button('Export CSV', () => actions.exportCsv('metrics'), { secondary: true }),
  );
  if (comparison.metrics.length === 0) return h('div', {}, toolbar, h('p', { className: 'empty' }, 'None of these runs logged metrics.'));
  const table = h(
    'table',
    { className: 'grid metrics' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', className: 'key' }, 'Metric'), ...runHeaders(comparison))),
    tbody,
  );
  return h('div', {}, toolbar, h('div', { className: 'scroll' }, table), noMatch);
}

function metricRow(m: MetricRow, actions: TableActions): HTMLTableRowElement {
  const direction = m.higherIsBetter ? 'higher is better' : 'lower is better';
  return h(
    'tr',
    { className: m.differs ? 'differs' : '', dataset: { key: m.key } },
    h(
      'th',
      { scope: 'row', className: 'key' },
      h('span', { title: m.key }, m.key),
      h(
        'button',
        {
          type: 'button',
          className: 'direction',
          title: `${direction[0].toUpperCase()}${direction.slice(1)}; click to flip`,
          'aria-label': `${m.key}: ${direction}. Flip.`,
          onclick: () => actions.setBetter(m.key, !m.higherIsBetter),
        },
        m.higherIsBetter ? '↑' : '↓',
      ),
    ),
    ...m.latest.map((latest, i) => {
      const best = i === m.best;
      const min = m.min?.[i];
      const max = m.max?.[i];
      return h(
        'td',
        {
          className: best ? 'best' : latest === undefined || latest === null ? 'missing' : '',
          'aria-label': best ? `best: ${formatValue(latest)}` : undefined,
        },
        h(
          'span',
          { className: 'latest' },
          latest === undefined || latest === null ? '—' : formatValue(latest),
          best ? h('span', { className: 'star', 'aria-hidden': 'true' }, ' ★') : null,
        ),
        min !== undefined && min !== null
          ? m.extremesExact?.[i] === false
            ? h(
                'span',
                {
                  className: 'range approximate',
                  title: 'min … max over a sample of the history (the whole history is being read, or the run is still running)',
                },
                `≈ ${formatValue(min)} … ${formatValue(max)}`,
              )
            : h('span', { className: 'range', title: 'min … max over the whole history' }, `${formatValue(min)} … ${formatValue(max)}`)
          : null,
      );
    }),
  );
}

function cell(text: string): string {
  // Tabs and newlines would break the row/column structure of the pasted text.
  return text.replace(/[\t\r\n]+/g, ' ');
}

export function tsv(comparison: Comparison, rows: DiffRow[]): string {
  const lines = [['key', ...comparison.runs.map((r) => r.name)], ...rows.map((r) => [r.key, ...r.values.map((v) => v ?? '')])];
  return lines.map((l) => l.map(cell).join('\t')).join('\n') + '\n';
}

export function metricsTsv(comparison: Comparison, rows: MetricRow[]): string {
  const lines = [['metric', 'stat', ...comparison.runs.map((r) => r.name)]];
  for (const m of rows) {
    lines.push([m.key, 'latest', ...m.latest.map((v) => formatValue(v))]);
    if (m.min) lines.push([m.key, 'min', ...m.min.map((v) => formatValue(v))]);
    if (m.max) lines.push([m.key, 'max', ...m.max.map((v) => formatValue(v))]);
  }
  return lines.map((l) => l.map(cell).join('\t')).join('\n') + '\n';
}

/** A change against the baseline as text: `+0.1 (+25%)` for numbers, else what happened. */
export function changeText(cell: BaselineCell): string {
  switch (cell.change) {
    case 'same':
      return '=';
    case 'missing':
      return '';
    case 'added':
      return 'added';
    case 'removed':
      return 'not set';
    case 'changed': {
      if (cell.delta === undefined) return 'changed';
      const sign = cell.delta > 0 ? '+' : '−';
      const relative = cell.relative === undefined ? '' : ` (${cell.relative > 0 ? '+' : '−'}${formatValue(Math.abs(cell.relative) * 100)}%)`;
      return `${sign}${formatValue(Math.abs(cell.delta))}${relative}`;
    }
  }
}

const SECTION_LABEL = { param: 'param', metric: 'metric', tag: 'tag' } as const;

function shownValue(value: string | number | undefined): string {
  return typeof value === 'number' ? formatValue(value) : (value ?? '—');
}

/**
 * The difference view: every param, metric (latest, min, max) and tag of each run against the
 * chosen baseline run (src/engine/compare/baselineDiff.ts), the change under each value.
 */
export function baselineTable(
  comparison: Comparison,
  options: { baselineRunId?: string; hideIdentical: boolean; setBaseline: (runId: string) => void; setHideIdentical: (hide: boolean) => void },
): HTMLElement {
  const index = Math.max(
    0,
    comparison.runs.findIndex((r) => r.runId === options.baselineRunId),
  );
  const diff = baselineDiff(comparison, index);
  const rows = options.hideIdentical ? diff.rows.filter((r) => !r.identical) : diff.rows;
  const differing = diff.rows.filter((r) => !r.identical).length;
  const toolbar = h(
    'div',
    { className: 'toolbar' },
    select(
      'Baseline run',
      comparison.runs.map((r) => ({ value: r.runId, label: r.name })),
      comparison.runs[index].runId,
      options.setBaseline,
    ),
    checkbox('Hide identical', options.hideIdentical, options.setHideIdentical, {
      name: 'baseline-hide-identical',
      title: 'Show only rows where some run differs from the baseline',
    }),
    h('span', { className: 'summary' }, `${differing} of ${diff.rows.length} values differ from ${comparison.runs[index].name}`),
  );
  const others = diff.others.map((i) => comparison.runs[i]);
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col', className: 'key' }, 'Key'),
    h('th', { scope: 'col', className: 'baseline', title: comparison.runs[index].runId }, `${comparison.runs[index].name} (baseline)`),
    ...others.map((r) => h('th', { scope: 'col', title: r.runId }, r.name)),
  );
  const body = h('tbody', {}, ...rows.map((row) => baselineRow(row)));
  return h(
    'div',
    { className: 'baseline-view' },
    toolbar,
    h('div', { className: 'scroll' }, h('table', { className: 'grid baseline' }, h('thead', {}, head), body)),
    rows.length === 0
      ? h('p', { className: 'empty' }, diff.rows.length === 0 ? 'These runs have no params, metrics or tags.' : "Every value is the same as the baseline's.")
      : null,
  );
}

function baselineRow(row: BaselineRow): HTMLTableRowElement {
  const label = `${row.key}${row.stat ? ` (${row.stat})` : ''}`;
  return h(
    'tr',
    { className: row.identical ? 'identical' : 'differs', dataset: { key: row.key, section: row.section, stat: row.stat } },
    h(
      'th',
      { scope: 'row', className: 'key', title: `${SECTION_LABEL[row.section]} ${label}` },
      h('span', { className: 'section-tag' }, SECTION_LABEL[row.section]),
      ` ${label}`,
    ),
    h('td', { className: row.baseline === undefined ? 'missing' : 'baseline', title: String(row.baseline ?? 'not set') }, shownValue(row.baseline)),
    ...row.cells.map((cell) =>
      h(
        'td',
        { className: `change-${cell.change}`, title: String(cell.value ?? 'not set'), dataset: { change: cell.change } },
        shownValue(cell.value),
        cell.change === 'same' || cell.change === 'missing' ? null : h('span', { className: 'delta' }, changeText(cell)),
      ),
    ),
  );
}
