// The runs table webview: every run of one or several experiments, one column per attribute, param,
// metric and tag, sorted and filtered by the server (src/extension/runsTable/runsTablePanel.ts) and
// read page by page as the user scrolls. Talks to the extension only through the validated contract.
import '../shared/panel.css';
import './runsTable.css';
import {
  validateToRunsTable,
  type ColumnFilter,
  type FilterOp,
  type FromRunsTableMessage,
  type RunGroup,
  type RunsTableAction,
  type RunsTableColumn,
  type RunsTableLayout,
  type RunsTablePanelState,
  type RunsTableQuery,
  type RunsTableRow,
  type SortKey,
  type ToRunsTableMessage,
} from '../contract';
import { receiveValidated } from '../shared/panelMessages';
import { PanelStatus } from '../shared/panelStatus';
import { vsCodeApi } from '../shared/vscodeApi';
import { h, nativeButton as button } from '../shared/components';
import { formatCount, formatValue } from '../shared/formatValue';
import { formatDuration, formatTimestamp } from '../../src/engine/explorer/formatting';
import { cellValue, moveColumn, shiftColumn, visibleColumns as orderColumns } from '../../src/engine/runsTable/runsTableColumns';
import { compileColumnFilter, DEFAULT_RUNS_TABLE_QUERY, operatorsFor } from '../../src/engine/runsTable/runsSearchExpression';
import { ChildRows } from './childRows';
import { RowWindow } from './rowWindow';

const vscode = vsCodeApi<FromRunsTableMessage>();
const ROW_HEIGHT = 26;
const OVERSCAN = 10;
const CHECK_WIDTH = 56;
const DEFAULT_WIDTH: Record<string, number> = { 'attributes.run_name': 220, 'attributes.start_time': 140, 'tags.mlflow.source.name': 160 };

const saved = (vscode.getState() ?? {}) as Partial<RunsTablePanelState>;
const query: Omit<RunsTableQuery, 'queryId'> = { ...DEFAULT_RUNS_TABLE_QUERY, ...saved.query };
let groupBy: string | undefined = saved.groupBy;
let connectionId = saved.connectionId ?? '';
let experimentIds = saved.experimentIds ?? [];
let experiments: { id: string; name: string }[] = [];
/** Experiment id → name (the Experiment column of a table of several experiments). */
let experimentNames: Record<string, string> = {};
let connectionLabel = '';
let layout: RunsTableLayout = { hidden: [], pinned: [], widths: {}, order: [] };
let columns: RunsTableColumn[] = [];
let starred = new Set<string>();
let queryId = 0;
/** The rows read; before init, with the default page size (init says the table's). */
let rows = new RowWindow(200);
let compiled: { filter: string; orderBy: string[]; errors: Record<string, string> } | undefined;
let queryError: string | undefined;
let groups: { columnId: string; groups: RunGroup[]; metricKeys: string[]; truncated: boolean } | undefined;
const openGroups = new Set<string>(saved.view?.openGroups ?? []);
/** Parent runs expanded to their children (the table's rows stay in `rows`). */
const children = new ChildRows();
/** Runs seen as the parent of a loaded row: their expander is drawn solid. */
const knownParents = new Set<string>();
/** Exactly the query's runs with child runs, once the extension has read them all: only they get a ▸. */
let exactParents: Set<string> | undefined;

/** Whether a run may have child runs (a ▸ before its name, → expands it). */
function mayHaveChildren(runId: string): boolean {
  return !children.leaves.has(runId) && (exactParents === undefined || exactParents.has(runId) || children.isOpen(runId));
}
/** Restored after a reload: the parents to expand again once their rows load, and where to scroll. */
const reexpand = new Set<string>(saved.view?.expanded ?? []);
let restoreScroll = saved.view && saved.view.scrollTop > 0 ? saved.view.scrollTop : undefined;
let initialised = false;
/** Selected run ids (in the order they were selected) and the anchor of Shift ranges. */
let selected = new Set<string>(saved.view?.selected ?? []);
let anchor = -1;
let cursor = 0;
let selectingAll = false;
let chooserOpen = false;
let chooserSearch = '';
let filterEditor: { columnId: string; op: FilterOp; value: string } | undefined;

const app = document.getElementById('app')!;
const panelStatus = new PanelStatus('Loading runs…', 5000, () => post({ type: 'retry' }));

function post(message: FromRunsTableMessage): void {
  vscode.postMessage(message);
}

function saveState(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  const view = {
    scrollTop: restoreScroll ?? viewport?.scrollTop ?? 0,
    selected: [...selected].slice(0, 5000),
    expanded: [...children.expanded, ...reexpand].slice(0, 1000),
    openGroups: [...openGroups].slice(0, 1000),
  };
  const state: RunsTablePanelState = { connectionId, experimentIds, query, groupBy, view };
  vscode.setState(state);
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** Saves the state soon (scrolling and selecting save often; once is enough). */
function saveStateSoon(): void {
  saveTimer ??= setTimeout(saveState, 300);
}

// ---------------------------------------------------------------- messages

receiveValidated('Runs table', validateToRunsTable, receive);

function receive(message: ToRunsTableMessage): void {
  switch (message.type) {
    case 'init': {
      connectionId = message.connectionId;
      connectionLabel = message.connectionLabel;
      experiments = message.experiments;
      experimentNames = Object.fromEntries(experiments.map((e) => [e.id, e.name]));
      experimentIds = message.experiments.map((e) => e.id);
      layout = message.layout;
      starred = new Set(message.starred);
      panelStatus.loaded();
      initialised = true;
      // The first query went with `ready` (its answers follow this message); after a retry, it goes now.
      const sent = queryBeforeInit;
      queryBeforeInit = false;
      if (sent) {
        // Its page 0 is on its way unless the page size differs from the one assumed: then it is asked for again.
        if (rows.pageSize !== message.pageSize) rows = new RowWindow(message.pageSize);
        saveState();
        render();
      } else {
        rows = new RowWindow(message.pageSize);
        firstQuery = true;
        render();
        sendQuery();
      }
      return;
    }
    case 'query':
      if (message.queryId !== queryId) return;
      compiled = { filter: message.filter, orderBy: message.orderBy, errors: message.errors };
      renderQueryLine();
      return;
    case 'columns':
      if (message.queryId !== queryId) return;
      columns = message.columns;
      renderGrid(true);
      return;
    case 'page': {
      if (message.queryId !== queryId) return;
      if (message.columns) columns = message.columns;
      // Rows added after the ones drawn (the first screen's, then the rest of its page): those drawn stay.
      const grows = rows.put(message.index, message.rows, message.last, message.count, message.partial) && !message.columns;
      // The query's first rows are painted before anything else is asked for (see holdPages).
      if (holdPages)
        afterPaint(() => {
          holdPages = false;
          renderGrid(false, true);
          if (screenColumnsOnly) requestIdleCallback(drawColumnsAhead, { timeout: 1000 });
        });
      let expanded = false;
      message.rows.forEach((row, i) => {
        if (row.parentRunId) knownParents.add(row.parentRunId);
        if (reexpand.delete(row.runId)) {
          expanded = true;
          expand(row.runId, message.index * rows.pageSize + i);
        }
      });
      queryError = undefined;
      // The grid first: it reads the viewport's size before anything changes (see renderGrid).
      renderGrid(Boolean(message.columns), grows && !expanded);
      renderQueryLine();
      continueRestoreScroll();
      return;
    }
    case 'parents':
      if (message.queryId !== queryId) return;
      exactParents = new Set(message.runIds);
      renderGrid(false);
      return;
    case 'children':
      if (message.queryId !== queryId) return;
      if (children.receive(message.parentRunId, message.rows)) {
        if (message.truncated) panelStatus.notice(`Showing the first ${message.rows.length} child runs: filter on tags.mlflow.parentRunId to see them all.`);
      } else if (message.rows.length === 0)
        panelStatus.notice(`No child run${query.expression || query.columnFilters.length || query.runName || query.starredOnly ? ' matches the filter' : ''}.`);
      saveStateSoon();
      renderGrid(false);
      continueRestoreScroll();
      return;
    case 'queryError':
      if (message.queryId !== queryId) return;
      holdPages = false;
      queryError = message.message;
      rows.complete = true;
      renderQueryLine();
      renderGrid(false);
      return;
    case 'rowsUpdated':
      if (rows.update(message.rows) || children.update(message.rows)) renderGrid(false);
      return;
    case 'groups':
      if (message.queryId !== queryId) return;
      groups = { columnId: message.columnId, groups: message.groups, metricKeys: message.metricKeys, truncated: message.truncated };
      renderGrid(true);
      return;
    case 'selection':
      if (message.queryId !== queryId) return;
      selectingAll = false;
      selected = new Set(message.runIds);
      if (message.truncated) panelStatus.notice(`Selected the first ${message.runIds.length} matching runs.`);
      renderGrid(false);
      return;
    case 'starred':
      starred = new Set(message.runIds);
      renderGrid(false);
      return;
    case 'invalidate':
      sendQuery();
      return;
    case 'loading':
      return;
    case 'error':
      panelStatus.failed(message.message, message.retry);
      render();
      return;
    case 'notice':
      panelStatus.notice(message.message);
      return;
  }
}

/**
 * Until the query's first rows are painted, no other page is asked for: the server's only work is
 * then the first screen (the rest of page 0 and the pages ahead are asked for right after).
 */
let holdPages = false;

/** Runs `then` once the next frame is painted. */
function afterPaint(then: () => void): void {
  requestAnimationFrame(() => setTimeout(then, 0));
}

/** The first query (sent with `ready`, or after a retried init): the restored scroll position is kept (any later query starts at the top). */
let firstQuery = true;
/** The first query was sent with `ready`, before init came: init must not send it again. */
let queryBeforeInit = false;

function sendQuery(): void {
  if (!firstQuery) restoreScroll = undefined;
  firstQuery = false;
  queryId++;
  rows = new RowWindow(rows.pageSize);
  // The extension answers a query with its first page: not asked for again.
  rows.expect(0);
  holdPages = true;
  compiled = undefined;
  queryError = undefined;
  groups = undefined;
  exactParents = undefined;
  selected = new Set([...selected]);
  for (const id of children.expanded) reexpand.add(id);
  children.clear();
  if (initialised) saveState();
  post({ type: 'query', queryId, ...query });
  if (groupBy) post({ type: 'groupBy', queryId, columnId: groupBy });
  if (viewport && restoreScroll === undefined) viewport.scrollTop = 0;
  renderQueryLine();
  renderGrid(false);
}

// ---------------------------------------------------------------- layout of columns

function visibleColumns(): RunsTableColumn[] {
  return orderColumns(columns, layout);
}

function width(column: RunsTableColumn): number {
  return layout.widths[column.id] ?? DEFAULT_WIDTH[column.id] ?? (column.kind === 'attribute' ? 110 : 120);
}

function saveLayout(): void {
  post({ type: 'saveLayout', layout });
}

// ---------------------------------------------------------------- rendering

const header = h('header', { className: 'header' });
const toolbar = h('div', { className: 'toolbar runs-toolbar' });
const queryLine = h('div', { className: 'query-line' });
const actionBar = h('div', { className: 'action-bar', role: 'toolbar', 'aria-label': 'Actions on the selected runs' });
const chooser = h('div', { className: 'column-chooser', hidden: true });
let viewport: HTMLElement | undefined;
let gridHead: HTMLElement | undefined;
let gridBody: HTMLElement | undefined;

function render(): void {
  if (panelStatus.showsInstead(app, initialised)) return;
  renderHeader();
  renderToolbar();
  renderQueryLine();
  viewport = h('div', {
    className: 'runs-grid',
    role: 'grid',
    tabindex: '0',
    'aria-label': 'Runs',
    'aria-multiselectable': 'true',
    onscroll: () => {
      if (viewport && viewport.scrollLeft > 0) screenColumnsOnly = false;
      renderGrid(false, true);
    },
    onkeydown: onGridKey,
    onwheel: () => (restoreScroll = undefined),
    onpointerdown: () => (restoreScroll = undefined),
  });
  gridHead = h('div', { className: 'grid-head', role: 'rowgroup' });
  gridBody = h('div', { className: 'grid-body', role: 'rowgroup', onclick: onBodyClick, ondblclick: onBodyDoubleClick });
  viewport.append(gridHead, gridBody);
  app.replaceChildren(header, toolbar, queryLine, chooser, actionBar, viewport, panelStatus.line);
  renderGrid(true);
}

let headerKey = '';
const runCount = h('span', { className: 'badge run-count' });

/** The title and the count; its buttons (toolkit components, costly to create) are made again only when the title changes. */
function renderHeader(): void {
  const names = experiments.map((e) => e.name);
  runCount.textContent = rows.complete ? `${formatCount(rows.count)} matching runs` : rows.count > 0 ? `${formatCount(rows.count)}+ matching runs` : 'Loading…';
  runCount.title = rows.complete ? 'Every matching run is counted.' : 'More runs follow: the count grows as pages load (scroll to read them).';
  const key = JSON.stringify([names, connectionLabel]);
  if (key === headerKey && header.firstChild) return;
  headerKey = key;
  header.replaceChildren(
    h('h1', {}, names.length === 1 ? names[0] : `${names.length} experiments`, h('span', { className: 'connection' }, ` on ${connectionLabel}`)),
    runCount,
    h('span', { className: 'spacer' }),
    button(
      'Copy CSV',
      () =>
        post({ type: 'exportCsv', queryId, columnIds: visibleColumns().map((c) => c.id), runIds: selected.size ? [...selected] : undefined, to: 'clipboard' }),
      { secondary: true, title: 'The selected runs (or every matching run) with the visible columns' },
    ),
    button(
      'Export CSV…',
      () => post({ type: 'exportCsv', queryId, columnIds: visibleColumns().map((c) => c.id), runIds: selected.size ? [...selected] : undefined, to: 'file' }),
      { secondary: true },
    ),
  );
}

function textInput(name: string, label: string, value: string, placeholder: string, onCommit: (v: string) => void, live = false): HTMLElement {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const input = h('input', {
    type: 'text',
    name,
    value,
    placeholder,
    'aria-label': label,
    spellcheck: false,
    onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter') onCommit((e.target as HTMLInputElement).value);
    },
    oninput: (e: Event) => {
      if (!live) return;
      clearTimeout(timer);
      timer = setTimeout(() => onCommit((e.target as HTMLInputElement).value), 300);
    },
  });
  return h('label', { className: 'field text' }, h('span', {}, label), input);
}

function nativeSelect(name: string, label: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void): HTMLElement {
  const el = h(
    'select',
    { name, 'aria-label': label, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) },
    ...options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
  );
  return h('label', { className: 'field' }, h('span', {}, label), el);
}

/** The group-by choices drawn in the toolbar's select (the ids of the params and tags offered). */
let groupByKey = '';
let groupBySelect: HTMLSelectElement | undefined;

/**
 * The toolbar: built once, so typing in it is never interrupted (nor what is typed lost) when the
 * columns come; the group-by select's options follow the columns in place.
 */
function renderToolbar(): void {
  if (!toolbar.firstChild) buildToolbar();
  const groupable = columns.filter((c) => c.kind === 'param' || (c.kind === 'tag' && !c.key.startsWith('mlflow.')));
  const key = JSON.stringify(groupable.map((c) => c.id));
  if (!groupBySelect) return;
  if (key !== groupByKey) {
    groupByKey = key;
    groupBySelect.replaceChildren(
      ...[{ value: '', label: '(none)' }, ...groupable.map((c) => ({ value: c.id, label: `${c.kind === 'param' ? 'param' : 'tag'} ${c.key}` }))].map((o) =>
        h('option', { value: o.value }, o.label),
      ),
    );
  }
  if (groupBySelect.value !== (groupBy ?? '')) groupBySelect.value = groupBy ?? '';
}

function buildToolbar(): void {
  toolbar.replaceChildren(
    textInput('search-filter', 'Filter', query.expression, "metrics.rmse < 0.5 and params.alpha = '0.1'  (Enter)", (v) => {
      query.expression = v;
      sendQuery();
    }),
    textInput(
      'run-name',
      'Run name',
      query.runName,
      'part of a name',
      (v) => {
        query.runName = v;
        sendQuery();
      },
      true,
    ),
    h(
      'label',
      { className: 'field checkbox' },
      h('input', {
        type: 'checkbox',
        name: 'starred-only',
        checked: query.starredOnly,
        onchange: (e: Event) => {
          query.starredOnly = (e.target as HTMLInputElement).checked;
          sendQuery();
        },
      }),
      '★ Starred only',
    ),
    nativeSelect(
      'lifecycle',
      'Show',
      [
        { value: 'active', label: 'Active runs' },
        { value: 'deleted', label: 'Deleted runs' },
        { value: 'all', label: 'All runs' },
      ],
      query.lifecycle,
      (v) => {
        query.lifecycle = v as typeof query.lifecycle;
        sendQuery();
      },
    ),
    nativeSelect('group-by', 'Group by', [], '', (v) => {
      groupBy = v || undefined;
      groups = undefined;
      openGroups.clear();
      saveState();
      if (groupBy) post({ type: 'groupBy', queryId, columnId: groupBy });
      renderGrid(true);
    }),
    button(
      'Columns…',
      () => {
        chooserOpen = !chooserOpen;
        renderChooser();
      },
      { secondary: true, title: 'Show, hide, pin and order columns' },
    ),
  );
  groupBySelect = toolbar.querySelector<HTMLSelectElement>('select[name="group-by"]') ?? undefined;
  groupByKey = '';
}

function renderQueryLine(): void {
  renderHeader();
  const parts: (Node | string)[] = [];
  if (query.columnFilters.length) {
    parts.push(
      h(
        'ul',
        { className: 'filter-chips', 'aria-label': 'Column filters' },
        ...query.columnFilters.map((f) => {
          const column = columns.find((c) => c.id === f.columnId);
          const result = column ? compileColumnFilter(column, f) : undefined;
          const text = result?.ok ? result.expression : `${f.columnId} ${f.op} ${f.value}`;
          return h(
            'li',
            {
              className: `chip${result && !result.ok ? ' invalid' : ''}`,
              dataset: { col: f.columnId },
              title: result && !result.ok ? result.error : 'Compiled to MLflow search syntax',
            },
            h('code', {}, text),
            h(
              'button',
              { type: 'button', className: 'chip-remove', 'aria-label': `Remove the filter on ${f.columnId}`, onclick: () => removeColumnFilter(f.columnId) },
              '×',
            ),
          );
        }),
      ),
    );
  }
  if (compiled) {
    parts.push(
      h(
        'div',
        { className: 'compiled-filter' },
        h('span', { className: 'hint' }, 'runs/search filter: '),
        h('code', {}, compiled.filter || '(none)'),
        h('span', { className: 'hint' }, '  order_by: '),
        h('code', { className: 'compiled-order' }, compiled.orderBy.join(', ')),
      ),
    );
    for (const [col, error] of Object.entries(compiled.errors)) parts.push(h('p', { className: 'warning', dataset: { col } }, error));
  }
  if (queryError) parts.push(h('p', { className: 'query-error', role: 'alert' }, `The server refused this query: ${queryError}`));
  queryLine.replaceChildren(...parts);
}

function renderChooser(): void {
  chooser.hidden = !chooserOpen;
  if (!chooserOpen) return chooser.replaceChildren();
  const hidden = new Set(layout.hidden);
  const ordered = [...visibleColumns(), ...columns.filter((c) => hidden.has(c.id))];
  const matches = ordered.filter((c) => !chooserSearch || `${c.kind} ${c.label} ${c.id}`.toLowerCase().includes(chooserSearch.toLowerCase()));
  const move = (id: string, delta: number) => {
    reorder(
      shiftColumn(
        visibleColumns().map((c) => c.id),
        id,
        delta,
      ),
    );
    renderChooser();
  };
  const search = h('input', {
    type: 'text',
    name: 'column-search',
    placeholder: 'Search columns',
    value: chooserSearch,
    'aria-label': 'Search columns',
    oninput: (e: Event) => {
      chooserSearch = (e.target as HTMLInputElement).value;
      renderChooser();
      chooser.querySelector<HTMLInputElement>('input[name="column-search"]')?.focus();
    },
  });
  chooser.replaceChildren(
    h(
      'div',
      { className: 'chooser-head' },
      search,
      button(
        'Show all',
        () => {
          layout.hidden = [];
          saveLayout();
          renderChooser();
          renderGrid(true);
        },
        { secondary: true },
      ),
      button(
        'Close',
        () => {
          chooserOpen = false;
          renderChooser();
        },
        { secondary: true },
      ),
    ),
    h(
      'ul',
      { className: 'chooser-list' },
      ...matches.slice(0, 500).map((c) =>
        h(
          'li',
          { dataset: { col: c.id } },
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              checked: !hidden.has(c.id),
              onchange: (e: Event) => {
                const show = (e.target as HTMLInputElement).checked;
                layout.hidden = show ? layout.hidden.filter((id) => id !== c.id) : [...layout.hidden, c.id];
                saveLayout();
                renderGrid(true);
              },
            }),
            h('span', { className: `kind ${c.kind}` }, c.kind === 'attribute' ? '' : c.kind),
            ` ${c.label}`,
          ),
          h(
            'button',
            { type: 'button', className: 'link', title: 'Pin to the left', onclick: () => togglePin(c.id) },
            layout.pinned.includes(c.id) ? 'Unpin' : 'Pin',
          ),
          h('button', { type: 'button', className: 'link', 'aria-label': `Move ${c.label} left`, onclick: () => move(c.id, -1) }, '↑'),
          h('button', { type: 'button', className: 'link', 'aria-label': `Move ${c.label} right`, onclick: () => move(c.id, 1) }, '↓'),
        ),
      ),
    ),
    matches.length > 500 ? h('p', { className: 'hint' }, `${matches.length - 500} more: refine the search.`) : '',
  );
}

/** The columns shown in a new order (drag in the header, Alt+Arrow on it, or ↑/↓ in the chooser); kept per experiment. */
function reorder(order: string[]): void {
  if (
    order.join('\n') ===
    visibleColumns()
      .map((c) => c.id)
      .join('\n')
  )
    return;
  layout.order = order;
  saveLayout();
  renderGrid(true);
  if (chooserOpen) renderChooser();
}

/** Alt+Left/Right on a header moves its column; the focus stays on it. */
function onHeaderKey(column: RunsTableColumn, e: KeyboardEvent): void {
  if (!e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
  e.preventDefault();
  reorder(
    shiftColumn(
      visibleColumns().map((c) => c.id),
      column.id,
      e.key === 'ArrowLeft' ? -1 : 1,
    ),
  );
  gridHead?.querySelector<HTMLElement>(`.col-header[data-col="${CSS.escape(column.id)}"] .col-label`)?.focus();
  panelStatus.notice(`Moved ${column.label} ${e.key === 'ArrowLeft' ? 'left' : 'right'}.`);
}

/** A header dragged more than a few pixels moves its column where it is dropped (a plain click still sorts). */
let dragged = false;
function startColumnDrag(column: RunsTableColumn, e: PointerEvent): void {
  if (e.button !== 0 || !gridHead) return;
  const head = gridHead;
  const source = e.currentTarget as HTMLElement;
  const startX = e.clientX;
  let moving = false;
  let drop: { id: string; after: boolean } | undefined;
  const marker = h('div', { className: 'drop-marker', 'aria-hidden': 'true' });
  const target = (x: number) => {
    for (const cell of head.querySelectorAll<HTMLElement>('.col-header[data-col]')) {
      const box = cell.getBoundingClientRect();
      if (x >= box.left && x < box.right) return { cell, id: cell.dataset.col!, after: x > box.left + box.width / 2 };
    }
    return undefined;
  };
  const move = (ev: PointerEvent) => {
    if (!moving && Math.abs(ev.clientX - startX) < 6) return;
    if (!moving) {
      moving = true;
      head.classList.add('dragging');
      head.querySelector(`.col-header[data-col="${CSS.escape(column.id)}"]`)?.classList.add('drag-source');
    }
    const t = target(ev.clientX);
    drop = t && t.id !== column.id ? { id: t.id, after: t.after } : undefined;
    marker.remove();
    if (t && drop) {
      marker.classList.toggle('after', t.after);
      t.cell.append(marker);
    }
  };
  const up = () => {
    source.removeEventListener('pointermove', move);
    source.removeEventListener('pointerup', up);
    source.removeEventListener('pointercancel', up);
    marker.remove();
    head.classList.remove('dragging');
    if (!moving) return;
    dragged = true;
    setTimeout(() => (dragged = false), 0);
    if (drop)
      reorder(
        moveColumn(
          visibleColumns().map((c) => c.id),
          column.id,
          drop.id,
          drop.after,
        ),
      );
    else renderGrid(true);
  };
  // Captured from the start: a quick drag that leaves the header at once still moves the column.
  source.setPointerCapture(e.pointerId);
  source.addEventListener('pointermove', move);
  source.addEventListener('pointerup', up);
  source.addEventListener('pointercancel', up);
}

function togglePin(id: string): void {
  layout.pinned = layout.pinned.includes(id) ? layout.pinned.filter((p) => p !== id) : [...layout.pinned, id];
  saveLayout();
  renderChooser();
  renderGrid(true);
}

let actionBarKey = '';

/**
 * The actions on the selection. Drawn again only when what they show changes (how many runs are
 * selected, select-all pending, the lifecycle shown), not on every render or scroll: they are
 * toolkit components, costly to create. Each reads the selection when clicked.
 */
function renderActionBar(): void {
  const n = selected.size;
  const key = JSON.stringify([n, selectingAll, query.lifecycle]);
  if (key === actionBarKey && actionBar.firstChild) return;
  actionBarKey = key;
  const act = (action: RunsTableAction) => () => post({ type: 'action', action, runIds: orderedSelection() });
  const some = (el: HTMLElement & { disabled: boolean }, min = 1) => {
    el.disabled = n < min;
    return el;
  };
  actionBar.replaceChildren(
    h('span', { className: 'selection-count' }, selectingAll ? 'Selecting all matching runs…' : n === 0 ? 'No run selected' : `${formatCount(n)} selected`),
    some(button('Compare', act('compare'), { title: 'Open the compare panel on the selected runs' }), 2),
    some(button('Show Details', act('details'), { secondary: true })),
    Object.assign(button('Register Model…', act('register'), { secondary: true, title: 'Register a model logged by the selected run in the Model Registry' }), {
      disabled: n !== 1,
    }),
    some(button('Copy Run IDs', act('copyIds'), { secondary: true })),
    some(button('Open in MLflow UI', act('openUi'), { secondary: true })),
    some(button('Star', () => post({ type: 'star', runIds: [...selected], starred: true }), { secondary: true })),
    some(button('Unstar', () => post({ type: 'star', runIds: [...selected], starred: false }), { secondary: true })),
    query.lifecycle === 'active' ? some(button('Delete…', act('delete'), { secondary: true })) : some(button('Restore', act('restore'), { secondary: true })),
    h('span', { className: 'spacer' }),
    button(
      'Select All Matching',
      () => {
        selectingAll = true;
        renderActionBar();
        post({ type: 'selectAll', queryId });
      },
      { secondary: true, title: 'Every run matching the filter, not only the loaded ones' },
    ),
    some(
      button(
        'Clear Selection',
        () => {
          selected = new Set();
          renderGrid(false);
        },
        { secondary: true },
      ),
    ),
  );
}

/** The selection in table order where known (loaded rows), the rest after. */
function orderedSelection(): string[] {
  const ids = [...selected];
  const index = new Map(ids.map((id) => [id, rows.indexOf(id)]));
  return ids.sort((a, b) => (index.get(a)! < 0 ? Infinity : index.get(a)!) - (index.get(b)! < 0 ? Infinity : index.get(b)!));
}

function sortMark(columnId: string): string {
  const i = query.sort.findIndex((s) => s.columnId === columnId);
  if (i < 0) return '';
  const arrow = query.sort[i].descending ? '▼' : '▲';
  return query.sort.length > 1 ? `${arrow}${i + 1}` : arrow;
}

function onHeaderClick(column: RunsTableColumn, e: MouseEvent): void {
  if (!column.sortable) {
    panelStatus.notice(`${column.label}: the server cannot sort by this column.`);
    return;
  }
  const existing = query.sort.find((s) => s.columnId === column.id);
  // First click: descending for metrics and times (best and newest first), ascending otherwise; then flip; then off.
  const first = column.kind === 'metric' || column.type === 'time';
  let next: SortKey | undefined;
  if (!existing) next = { columnId: column.id, descending: first };
  else if (existing.descending === first) next = { columnId: column.id, descending: !first };
  if (e.shiftKey) {
    const keys = query.sort.filter((s) => s.columnId !== column.id);
    const at = existing ? query.sort.indexOf(existing) : keys.length;
    if (next) keys.splice(at, 0, next);
    query.sort = keys;
  } else query.sort = next ? [next] : [];
  sendQuery();
}

function openFilterEditor(column: RunsTableColumn): void {
  const existing = query.columnFilters.find((f) => f.columnId === column.id);
  filterEditor = existing ? { ...existing } : { columnId: column.id, op: operatorsFor(column)[0], value: '' };
  renderFilterEditor();
}

function removeColumnFilter(columnId: string): void {
  query.columnFilters = query.columnFilters.filter((f) => f.columnId !== columnId);
  sendQuery();
}

function closeFilterEditor(): void {
  filterEditor = undefined;
  renderFilterEditor();
}

const filterForm = h('div', { className: 'col-filter-form', role: 'dialog', 'aria-label': 'Column filter', hidden: true });

function renderFilterEditor(): void {
  const editor = filterEditor;
  const column = editor && columns.find((c) => c.id === editor.columnId);
  filterForm.hidden = !editor || !column;
  if (!editor || !column) return filterForm.replaceChildren();
  const preview = h('code', { className: 'filter-preview' });
  const update = () => {
    const result = compileColumnFilter(column, editor);
    preview.textContent = result.ok ? result.expression : result.error;
    preview.classList.toggle('invalid', !result.ok);
  };
  const apply = () => {
    const result = compileColumnFilter(column, editor);
    if (!result.ok) return update();
    const filter: ColumnFilter = { columnId: editor.columnId, op: editor.op, value: editor.value };
    query.columnFilters = [...query.columnFilters.filter((f) => f.columnId !== column.id), filter];
    closeFilterEditor();
    sendQuery();
  };
  const input = h('input', {
    type: 'text',
    name: 'filter-value',
    value: editor.value,
    'aria-label': `Value to compare ${column.label} with`,
    placeholder: column.type === 'time' ? 'YYYY-MM-DD' : column.kind === 'metric' ? 'a number' : 'a value',
    oninput: (e: Event) => {
      editor.value = (e.target as HTMLInputElement).value;
      update();
    },
    onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter') apply();
      if (e.key === 'Escape') closeFilterEditor();
    },
  });
  filterForm.replaceChildren(
    h('strong', {}, column.label),
    h(
      'select',
      {
        name: 'filter-op',
        'aria-label': 'Comparison',
        onchange: (e: Event) => {
          editor.op = (e.target as HTMLSelectElement).value as FilterOp;
          update();
        },
      },
      ...operatorsFor(column).map((op) => h('option', { value: op, selected: op === editor.op }, op)),
    ),
    input,
    button('Apply', apply),
    query.columnFilters.some((f) => f.columnId === column.id)
      ? button(
          'Remove',
          () => {
            closeFilterEditor();
            removeColumnFilter(column.id);
          },
          { secondary: true },
        )
      : '',
    button('Cancel', closeFilterEditor, { secondary: true }),
    preview,
  );
  update();
  if (!filterForm.isConnected) queryLine.before(filterForm);
  input.focus();
}

function startResize(column: RunsTableColumn, e: PointerEvent): void {
  e.preventDefault();
  e.stopPropagation();
  const startX = e.clientX;
  const startWidth = width(column);
  const handle = e.target as HTMLElement;
  handle.setPointerCapture(e.pointerId);
  // While dragging only the column template changes (re-rendering the header would drop the pointer capture).
  const move = (ev: PointerEvent) => {
    layout.widths[column.id] = Math.max(40, Math.min(2000, Math.round(startWidth + ev.clientX - startX)));
    const geo = geometry(visibleColumns());
    for (const el of [gridHead, gridBody]) if (el) placeColumns(el, geo);
    for (const cell of gridBody?.querySelectorAll<HTMLElement>(`.cell[data-col="${CSS.escape(column.id)}"]`) ?? []) cell.style.width = `${width(column)}px`;
  };
  const up = () => {
    handle.removeEventListener('pointermove', move);
    handle.removeEventListener('pointerup', up);
    saveLayout();
    renderGrid(true);
  };
  handle.addEventListener('pointermove', move);
  handle.addEventListener('pointerup', up);
}

interface Geometry {
  /** The grid's column template: the check column, then every visible column. */
  template: string;
  /** Left offsets of pinned columns (after the check column). */
  left: Map<string, number>;
  /** Where each column starts, in the order of `cols`. */
  starts: number[];
  total: number;
}

function geometry(cols: RunsTableColumn[]): Geometry {
  const left = new Map<string, number>();
  const starts: number[] = [];
  let x = CHECK_WIDTH;
  for (const c of cols) {
    if (layout.pinned.includes(c.id)) left.set(c.id, x);
    starts.push(x);
    x += width(c);
  }
  return { template: `${CHECK_WIDTH}px ${cols.map((c) => `${width(c)}px`).join(' ')}`, left, starts, total: x };
}

/** The columns' widths in the header (a grid) or the body (whose rows' cells have their widths: see rowTemplate). */
function placeColumns(el: HTMLElement, geo: Geometry): void {
  if (el !== gridBody) el.style.gridTemplateColumns = geo.template;
  el.style.width = `${geo.total}px`;
}

/** Columns drawn beyond each side of the screen, in pixels, and the step the drawn range moves by as the table scrolls sideways. */
const COLUMN_OVERSCAN = 480;
const COLUMN_STEP = 480;

/**
 * The columns whose cells are drawn in body rows: those on screen (give or take COLUMN_OVERSCAN, in
 * steps of COLUMN_STEP so a small sideways scroll draws nothing again) and the pinned ones. A run
 * with hundreds of params and metrics costs what the screen shows, not what the experiment holds.
 */
function columnWindow(cols: RunsTableColumn[], geo: Geometry, box: ViewportBox): { key: string; drawn: (index: number) => boolean } {
  const screen = box.width;
  const from = screenColumnsOnly ? box.left : Math.floor(box.left / COLUMN_STEP) * COLUMN_STEP - COLUMN_OVERSCAN;
  const to = screenColumnsOnly ? box.left + screen : from + Math.ceil((screen + 2 * COLUMN_OVERSCAN) / COLUMN_STEP) * COLUMN_STEP + COLUMN_STEP;
  return {
    key: `${from}:${to}`,
    drawn: (i) => geo.left.has(cols[i].id) || (geo.starts[i] < to && geo.starts[i] + width(cols[i]) > from),
  };
}

/**
 * Until the table opened has painted its first rows and the page is idle (or the table is scrolled
 * sideways), only the columns on screen are drawn, in the body and in the header (each header cell
 * in its place in the grid), and the group-by choices wait: on a wide screen the first frame builds,
 * lays out and paints about a third fewer boxes.
 */
let screenColumnsOnly = true;

function drawColumnsAhead(): void {
  if (!screenColumnsOnly) return;
  screenColumnsOnly = false;
  renderGrid(false, true);
}

let lastHeadKey = '';
/** Rows drawn at the last render, by index; a scroll keeps the ones still in range (same elements: no flicker, nothing detached under the pointer). */
let drawn = new Map<number, HTMLElement>();
/** Bumped by every render that is not only a scroll: what is drawn may be stale then. */
let drawVersion = 0;
let drawnVersion = -1;
/** The columns drawn at the last render (columnWindow's key): a sideways scroll past them draws the rows again. */
let drawnColumns = '';

/** Where the grid's viewport is scrolled and how big it is. */
interface ViewportBox {
  width: number;
  height: number;
  top: number;
  left: number;
}

function renderGrid(headChanged: boolean, scrollOnly = false): void {
  if (!viewport || !gridHead || !gridBody) return;
  // Read before this render changes anything: a read after a change lays the whole page out again, at once.
  const box: ViewportBox = {
    width: viewport.clientWidth || window.innerWidth,
    height: viewport.clientHeight || window.innerHeight,
    top: viewport.scrollTop,
    left: viewport.scrollLeft,
  };
  if (!scrollOnly) drawVersion++;
  saveStateSoon();
  renderActionBar();
  const cols = visibleColumns();
  const geo = geometry(cols);
  const columnsDrawn = columnWindow(cols, geo, box);
  const headKey = JSON.stringify([cols.map((c) => c.id), layout, query.sort, query.columnFilters.map((f) => f.columnId), screenColumnsOnly]);
  if (headChanged || headKey !== lastHeadKey) {
    lastHeadKey = headKey;
    if (!screenColumnsOnly) renderToolbar();
    placeColumns(gridHead, geo);
    gridHead.replaceChildren(
      h('div', { className: 'col-header check pinned', role: 'columnheader' }, '★'),
      ...cols.flatMap((c, i) => {
        if (screenColumnsOnly && !columnsDrawn.drawn(i)) return [];
        const filtered = query.columnFilters.some((f) => f.columnId === c.id);
        const cell = h(
          'div',
          {
            className: `col-header ${c.kind}${geo.left.has(c.id) ? ' pinned' : ''}`,
            role: 'columnheader',
            dataset: { col: c.id },
            'aria-sort': ariaSort(c.id),
            title: `${c.id}${c.sortable ? '\nClick to sort on the server; Shift+click adds a sort key.' : ''}\nDrag (or Alt+Left/Right) to move the column.`,
          },
          h(
            'button',
            {
              type: 'button',
              className: 'col-label',
              onclick: (e: MouseEvent) => !dragged && onHeaderClick(c, e),
              onpointerdown: (e: PointerEvent) => startColumnDrag(c, e),
              onkeydown: (e: KeyboardEvent) => onHeaderKey(c, e),
            },
            c.kind === 'attribute' || c.id.startsWith('tags.mlflow.')
              ? ''
              : h('span', { className: `kind ${c.kind}` }, c.kind === 'metric' ? 'm' : c.kind === 'param' ? 'p' : 't'),
            c.label,
            h('span', { className: 'sort-mark' }, sortMark(c.id)),
          ),
          c.filterable
            ? h(
                'button',
                {
                  type: 'button',
                  className: `col-filter-btn${filtered ? ' active' : ''}`,
                  title: `Filter ${c.label}`,
                  'aria-label': `Filter ${c.label}`,
                  onclick: () => openFilterEditor(c),
                },
                '⏷',
              )
            : '',
          h('span', { className: 'resize', 'aria-hidden': 'true', onpointerdown: (e: PointerEvent) => startResize(c, e) }),
        );
        if (geo.left.has(c.id)) cell.style.left = `${geo.left.get(c.id)}px`;
        if (screenColumnsOnly) cell.style.gridColumn = String(i + 2);
        return [cell];
      }),
    );
  }
  if (groupBy) return renderGroups(cols, geo);
  const total = displayCount();
  const first = Math.max(0, Math.floor(box.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((box.top + box.height) / ROW_HEIGHT) + OVERSCAN);
  const [tableFirst, tableLast] = children.tableRange(first, Math.max(first, last));
  // Before the first query there is nothing to ask for (init renders the empty grid, then sends it).
  if (queryId > 0 && !holdPages) for (const index of rows.need(tableFirst, tableLast)) post({ type: 'page', queryId, index });
  // What the table holds (the pages near the screen), for tests and for whoever inspects memory.
  viewport.dataset.loadedPages = String(rows.loadedPages);
  gridBody.style.height = `${total * ROW_HEIGHT}px`;
  placeColumns(gridBody, geo);
  const now = Date.now();
  const drawnRows: HTMLElement[] = [];
  const reuse = drawnVersion === drawVersion && drawnColumns === columnsDrawn.key ? drawn : new Map<number, HTMLElement>();
  const next = new Map<number, HTMLElement>();
  if (total === 0 && rows.complete) {
    drawnRows.push(
      h(
        'div',
        { className: 'empty-grid' },
        queryError
          ? 'No runs: the server refused the query (see above).'
          : query.starredOnly && starred.size === 0
            ? 'No starred runs yet: select runs and press Star.'
            : 'No run matches.',
      ),
    );
  }
  let template: RowTemplate | undefined;
  for (let i = first; i <= last; i++) {
    const d = children.at(i);
    const row = d.kind === 'run' ? rows.row(d.index) : d.row;
    const kept = row ? reuse.get(i) : undefined;
    const el =
      kept ??
      (row
        ? rowElement((template ??= rowTemplate(cols, geo, columnsDrawn.drawn)), row, i, now, i * ROW_HEIGHT, d.kind === 'child' ? d : undefined)
        : placeRow(
            h('div', { className: 'grid-row placeholder', role: 'row' }, h('div', { className: 'cell check' }), h('div', { className: 'cell' }, 'Loading…')),
            i * ROW_HEIGHT,
          ));
    if (row) next.set(i, el);
    drawnRows.push(el);
  }
  drawn = next;
  drawnVersion = drawVersion;
  drawnColumns = columnsDrawn.key;
  // Rows still in the window stay where they are (never detached: no scroll-anchoring jump, nothing
  // pulled from under the pointer); rows that left the window or are stale are removed.
  const keep = new Set(drawnRows);
  for (const child of [...gridBody.children]) if (!keep.has(child as HTMLElement)) child.remove();
  for (const el of drawnRows) if (el.parentElement !== gridBody) gridBody.append(el);
}

/** Scrolls back to where the table was before a reload, page by page as the rows come. */
function continueRestoreScroll(): void {
  if (restoreScroll === undefined || !viewport || groupBy) return;
  viewport.scrollTop = restoreScroll;
  if (Math.abs(viewport.scrollTop - restoreScroll) <= 1 || (rows.complete && !children.reading)) {
    restoreScroll = undefined;
    saveStateSoon();
  }
}

/** Rows drawn: the table's rows plus the children of expanded parents. */
function displayCount(): number {
  return rows.rowCount + children.extra;
}

/** The run drawn at a display position (undefined while its page loads). */
function displayRow(display: number): RunsTableRow | undefined {
  const d = children.at(display);
  return d.kind === 'run' ? rows.row(d.index) : d.row;
}

/** Expands a parent row (at table index `index`) to its child runs, or collapses it. */
function expand(runId: string, index: number): void {
  if (children.isOpen(runId)) children.collapse(runId);
  else {
    children.request(runId, index);
    post({ type: 'children', queryId, parentRunId: runId });
  }
  saveStateSoon();
  renderGrid(false);
}

function ariaSort(columnId: string): string {
  const key = query.sort.find((s) => s.columnId === columnId);
  return key ? (key.descending ? 'descending' : 'ascending') : 'none';
}

/** What a drawn row shows (the grid body's click handlers read it): the run, its display position, its parent when drawn under one. */
const rowOf = new WeakMap<HTMLElement, { row: RunsTableRow; index: number }>();

/** The drawn row an event in the grid body happened in (none on a placeholder). */
function drawnRowAt(target: HTMLElement): { row: RunsTableRow; index: number } | undefined {
  const el = target.closest<HTMLElement>('.grid-row');
  return el ? rowOf.get(el) : undefined;
}

/**
 * A row's cells for the columns drawn, made once per render and cloned for each row: a clone costs
 * a fraction of building the row's elements one by one (a hundred rows of thirty cells at the first
 * paint). The clicks on rows, their check boxes, stars and expanders are heard once, on the grid body.
 * A row is a flex line of cells at their columns' widths (the header is a grid of the same widths):
 * laid out in about four fifths of the time a grid row of every column's track takes.
 */
interface RowTemplate {
  el: HTMLElement;
  cols: RunsTableColumn[];
}

function rowTemplate(cols: RunsTableColumn[], geo: Geometry, drawColumn: (index: number) => boolean): RowTemplate {
  const el = h(
    'div',
    { className: 'grid-row', role: 'row' },
    h(
      'div',
      { className: 'cell check pinned', role: 'gridcell' },
      h('input', { type: 'checkbox', className: 'row-check', tabindex: '-1' }),
      h('button', { type: 'button', className: 'star', tabindex: '-1' }),
    ),
  );
  const drawnCols: RunsTableColumn[] = [];
  // Cells side by side at their widths; the columns not drawn leave a gap as wide as they are.
  let x = CHECK_WIDTH;
  cols.forEach((c, i) => {
    if (!drawColumn(i)) return;
    const cell = h('div', {
      className: `cell ${c.kind}${c.type === 'number' || c.type === 'duration' ? ' num' : ''}${geo.left.has(c.id) ? ' pinned' : ''}`,
      role: 'gridcell',
      dataset: { col: c.id },
    });
    if (geo.left.has(c.id)) cell.style.left = `${geo.left.get(c.id)}px`;
    if (geo.starts[i] > x) cell.style.marginLeft = `${geo.starts[i] - x}px`;
    cell.style.width = `${width(c)}px`;
    x = geo.starts[i] + width(c);
    el.append(cell);
    drawnCols.push(c);
  });
  return { el, cols: drawnCols };
}

/**
 * One run's row at display position `index` (negative in groups: no expander there); `child`: drawn
 * under its expanded parent.
 */
function rowElement(
  template: RowTemplate,
  row: RunsTableRow,
  index: number,
  now: number,
  top = index * ROW_HEIGHT,
  child?: { parentRunId: string; last: boolean },
): HTMLElement {
  const isSelected = selected.has(row.runId);
  const expandable = !child && index >= 0 && mayHaveChildren(row.runId);
  const el = template.el.cloneNode(true) as HTMLElement;
  el.className = `grid-row${isSelected ? ' selected' : ''}${index === cursor ? ' cursor' : ''}${row.lifecycleStage === 'deleted' ? ' deleted' : ''}${child ? ' child-row' : ''}`;
  el.setAttribute('aria-selected', String(isSelected));
  el.setAttribute('aria-rowindex', String(index + 2));
  if (expandable) el.setAttribute('aria-expanded', String(children.isOpen(row.runId)));
  if (child) {
    el.setAttribute('aria-level', '2');
    el.dataset.parent = child.parentRunId;
  }
  el.dataset.runId = row.runId;
  el.dataset.index = String(index);
  rowOf.set(el, { row, index });
  const check = el.firstChild as HTMLElement;
  const box = check.firstChild as HTMLInputElement;
  box.checked = isSelected;
  box.setAttribute('aria-label', `Select ${row.name || row.runId}`);
  const star = box.nextSibling as HTMLElement;
  const isStarred = starred.has(row.runId);
  star.setAttribute('aria-label', isStarred ? 'Unstar' : 'Star');
  // An unstarred run's hollow star is drawn by CSS under the pointer or the cursor only (see .star).
  if (isStarred) {
    star.classList.add('on');
    star.textContent = '★';
  }
  let cell = check.nextSibling as HTMLElement;
  for (const c of template.cols) {
    const content = cellContent(row, c, experimentNames, now, Boolean(child));
    if (c.id === 'attributes.run_name' && expandable) content.unshift(expander(row));
    if (content.length === 1 && typeof content[0] === 'string') cell.textContent = content[0];
    else cell.append(...content);
    cell = cell.nextSibling as HTMLElement;
  }
  return placeRow(el, top);
}

/** A click in the grid body: on a row's check box, star or expander, or on the row. */
function onBodyClick(e: MouseEvent): void {
  const target = e.target as HTMLElement;
  const drawnRow = drawnRowAt(target);
  if (!drawnRow) return;
  const { row, index } = drawnRow;
  if (target.closest('.row-check')) return toggle(index, row, e.shiftKey);
  if (target.closest('.star')) return post({ type: 'star', runIds: [row.runId], starred: !starred.has(row.runId) });
  if (target.closest('.expander')) {
    cursor = index;
    const d = children.at(index);
    if (d.kind === 'run') expand(row.runId, d.index);
    return;
  }
  if (index < 0) {
    // A run in an open group (no cursor, no range there).
    if (e.ctrlKey || e.metaKey || e.shiftKey) {
      if (selected.has(row.runId)) selected.delete(row.runId);
      else selected.add(row.runId);
    } else selected = new Set([row.runId]);
    renderGrid(false);
    return;
  }
  onRowClick(index, row, e);
}

function onBodyDoubleClick(e: MouseEvent): void {
  const target = e.target as HTMLElement;
  const drawnRow = drawnRowAt(target);
  if (drawnRow && !target.closest('.row-check, .star, .expander')) post({ type: 'action', action: 'details', runIds: [drawnRow.row.runId] });
}

/**
 * Puts a row at its place in the grid body. Through the CSSOM, not a `style` attribute: the
 * webview's Content-Security-Policy (style-src with a nonce, no 'unsafe-inline') drops inline style
 * attributes, which left every row at the top of the body, drawn over each other.
 */
function placeRow(el: HTMLElement, top: number): HTMLElement {
  el.style.top = `${top}px`;
  return el;
}

/** ▸/▾ before a run's name: shows its child runs under it (drawn solid for runs known to have some); the grid body hears its clicks. */
function expander(row: RunsTableRow): HTMLElement {
  const open = children.isOpen(row.runId);
  const name = row.name || row.runId;
  return h(
    'button',
    {
      type: 'button',
      className: `expander${knownParents.has(row.runId) || exactParents?.has(row.runId) ? ' parent' : ''}${children.isPending(row.runId) ? ' pending' : ''}`,
      tabindex: '-1',
      'aria-label': `${open ? 'Collapse' : 'Expand'} the child runs of ${name}`,
      title: open ? 'Hide the child runs' : 'Show the child runs (nested runs) under this run',
    },
    open ? '▾' : '▸',
  );
}

function cellContent(row: RunsTableRow, c: RunsTableColumn, names: Record<string, string>, now: number, nested = false): (Node | string)[] {
  const v = cellValue(row, c, names, now);
  if (c.type === 'status') return [h('span', { className: `status ${row.status.toLowerCase()}`, 'aria-hidden': 'true' }), row.status.toLowerCase()];
  if (v === undefined) return [''];
  if (c.type === 'time') return [formatTimestamp(Number(v))];
  if (c.type === 'duration') return [formatDuration(Number(v)) || '0s'];
  if (typeof v === 'number') return [formatValue(v)];
  if (c.id === 'tags.mlflow.source.git.commit') return [h('code', { title: v }, v.slice(0, 10))];
  if (c.id === 'attributes.run_name')
    return [
      row.parentRunId ? h('span', { className: `child-mark${nested ? ' nested' : ''}`, title: `Child of ${row.parentRunId}` }, '↳ ') : '',
      h('span', { title: `${v}\n${row.runId}` }, v),
    ];
  return [v];
}

function onRowClick(index: number, row: RunsTableRow, e: MouseEvent): void {
  cursor = index;
  if (e.shiftKey && anchor >= 0) selectRange(anchor, index, e.ctrlKey || e.metaKey);
  else if (e.ctrlKey || e.metaKey) toggle(index, row, false);
  else {
    selected = new Set([row.runId]);
    anchor = index;
  }
  viewport?.focus({ preventScroll: true });
  renderGrid(false);
}

function toggle(index: number, row: RunsTableRow, shift: boolean): void {
  if (shift && anchor >= 0) selectRange(anchor, index, true);
  else {
    if (selected.has(row.runId)) selected.delete(row.runId);
    else selected.add(row.runId);
    anchor = index;
  }
  cursor = index;
  renderGrid(false);
}

/** Rows from..to (loaded ones) become the selection, or are added to it. */
function selectRange(from: number, to: number, add: boolean): void {
  const next = add ? new Set(selected) : new Set<string>();
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  for (let i = lo; i <= hi; i++) {
    const r = displayRow(i);
    if (r) next.add(r.runId);
  }
  selected = next;
}

function onGridKey(e: KeyboardEvent): void {
  if (!viewport || groupBy) return;
  restoreScroll = undefined;
  const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_HEIGHT) - 1);
  const max = Math.max(0, displayCount() - 1);
  let next = cursor;
  switch (e.key) {
    case 'ArrowRight':
    case 'ArrowLeft': {
      // Right expands the run at the cursor to its child runs, Left collapses it (or goes to the parent of a child).
      const d = children.at(cursor);
      const row = displayRow(cursor);
      e.preventDefault();
      if (d.kind === 'child') {
        const parent = rows.indexOf(d.parentRunId);
        if (e.key === 'ArrowRight' || parent < 0) return;
        next = children.displayOf(parent);
        break;
      }
      if (!row || !mayHaveChildren(row.runId) || (e.key === 'ArrowRight') === children.isOpen(row.runId)) return;
      expand(row.runId, d.index);
      return;
    }
    case 'ArrowDown':
      next = Math.min(max, cursor + 1);
      break;
    case 'ArrowUp':
      next = Math.max(0, cursor - 1);
      break;
    case 'PageDown':
      next = Math.min(max, cursor + page);
      break;
    case 'PageUp':
      next = Math.max(0, cursor - page);
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = max;
      break;
    case ' ': {
      const row = displayRow(cursor);
      if (row) toggle(cursor, row, e.shiftKey);
      e.preventDefault();
      return;
    }
    case 'Enter': {
      if (selected.size) post({ type: 'action', action: 'details', runIds: orderedSelection().slice(0, 1) });
      e.preventDefault();
      return;
    }
    case 'a':
      if (e.ctrlKey || e.metaKey) {
        selectingAll = true;
        renderActionBar();
        post({ type: 'selectAll', queryId });
        e.preventDefault();
      }
      return;
    default:
      return;
  }
  e.preventDefault();
  if (e.shiftKey) {
    if (anchor < 0) anchor = cursor;
    selectRange(anchor, next, false);
  } else if (!(e.ctrlKey || e.metaKey)) {
    const r = displayRow(next);
    if (r) selected = new Set([r.runId]);
    anchor = next;
  }
  cursor = next;
  const top = next * ROW_HEIGHT;
  const headHeight = gridHead?.offsetHeight ?? ROW_HEIGHT;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight - headHeight)
    viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight + headHeight;
  renderGrid(false);
}

function renderGroups(cols: RunsTableColumn[], geo: Geometry): void {
  if (!gridBody) return;
  gridBody.style.height = '';
  placeColumns(gridBody, geo);
  if (!groups || groups.columnId !== groupBy) {
    gridBody.replaceChildren(
      h('div', { className: 'empty-grid' }, queryError ? 'No runs: the server refused the query (see above).' : 'Grouping every matching run…'),
    );
    return;
  }
  const metricCols = cols.filter((c) => c.kind === 'metric');
  const now = Date.now();
  const template = rowTemplate(cols, geo, () => true);
  const out: HTMLElement[] = [];
  if (groups.truncated) out.push(h('p', { className: 'warning' }, 'Only the first 50,000 matching runs are grouped.'));
  for (const g of groups.groups) {
    const key = g.value ?? '\u0000';
    const open = openGroups.has(key);
    const label = g.value === undefined ? '(not set)' : g.value;
    out.push(
      h(
        'div',
        { className: 'group-row', role: 'row', 'aria-expanded': String(open), dataset: { group: label } },
        h(
          'button',
          {
            type: 'button',
            className: 'group-toggle',
            onclick: () => {
              if (open) openGroups.delete(key);
              else openGroups.add(key);
              renderGrid(false);
            },
          },
          `${open ? '▾' : '▸'} ${groupBy?.replace(/^(params|tags)\./, '')} = ${label}`,
        ),
        h('span', { className: 'badge group-count' }, `${g.count} runs`),
        ...metricCols.map((c) => {
          const s = g.metrics[c.key];
          return s && s.min !== undefined
            ? h(
                'span',
                { className: 'group-metric', dataset: { metric: c.key } },
                h('b', {}, c.key),
                ` min ${formatValue(s.min)} · mean ${formatValue(s.mean!)} · max ${formatValue(s.max!)}`,
              )
            : '';
        }),
      ),
    );
    if (open) {
      const inner = h('div', { className: 'group-rows' });
      g.rows.forEach((row, i) => {
        const el = rowElement(template, row, -1 - i, now, 0);
        el.style.position = 'relative';
        inner.append(el);
      });
      if (g.count > g.rows.length)
        inner.append(h('p', { className: 'hint' }, `${g.count - g.rows.length} more runs in this group: filter on ${label} to see them all.`));
      out.push(inner);
    }
  }
  gridBody.replaceChildren(...out);
}

window.addEventListener('resize', () => renderGrid(false));
render();
post({ type: 'ready' });
// The query is known already (the saved one, or the default): sent now, its first rows are read while init comes.
queryBeforeInit = true;
sendQuery();
