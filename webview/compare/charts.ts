import uPlot from 'uplot';
import type { CompareRun, Comparison, HistorySeries } from '../contract';
import type { RunGroup } from '../../src/engine/compare/runGroups';
import { alignHistories, finishColumn, groupBands, robustRange, type XMode } from './historyLines';
import { formatValue } from '../shared/formatValue';
import { themeColors } from '../shared/themeColors';

export { ema, type XMode } from './historyLines';

/** Colour of run i: the theme's chart colours first, then evenly spread hues. */
export function runColor(i: number, palette: string[]): string {
  if (i < palette.length) return palette[i];
  return `hsl(${Math.round((i * 137.508) % 360)}, 65%, 55%)`;
}

export interface HistoryChartOptions {
  metricKey: string;
  runs: CompareRun[];
  /** Series of this metric (any run order). */
  series: HistorySeries[];
  xMode: XMode;
  log: boolean;
  smoothing: number;
  width: number;
  height: number;
  /** Runs grouped (by a param or tag): one mean line with a min–max band per group. */
  groups?: RunGroup[];
  /** With groups: the group's runs drawn too, thin, in the group's colour. */
  showGroupRuns?: boolean;
  /** The x axis's label when it is not the x mode's (another metric's values). */
  xLabel?: string;
  /** The y range from the 5th to the 95th percentile of the values drawn (spikes clipped). */
  ignoreOutliers?: boolean;
  /** The x range to show (a zoom kept across redraws). */
  zoom?: { min: number; max: number };
  /** The user zoomed (drag) or reset (double-click: `full`, the whole x range shown). */
  onZoom?: (min: number, max: number, full: boolean) => void;
}

/** Points drawn per series at most: about two per horizontal pixel, as more cannot be seen. */
export function drawBudget(width: number): number {
  return Math.max(1000, Math.ceil(width * 2));
}

/**
 * Aligned uPlot data for one metric: one line per run on a shared x column (built once per series
 * list and x mode, see historyLines.ts), smoothed and, on a log scale, with non-positive values as gaps.
 */
export function historyData(o: Pick<HistoryChartOptions, 'runs' | 'series' | 'xMode' | 'log' | 'smoothing' | 'width'>): {
  data: uPlot.AlignedData;
  runIndexes: number[];
} {
  const aligned = alignHistories(o.runs, o.series, o.xMode, drawBudget(o.width));
  if (aligned.ys.length === 0) return { data: [[]], runIndexes: aligned.runIndexes };
  return { data: [aligned.x, ...aligned.ys.map((y) => finishColumn(y, o.smoothing, o.log))] as uPlot.AlignedData, runIndexes: aligned.runIndexes };
}

/** A colour with transparency, whatever CSS form the theme gives it in (the canvas normalises it). */
export function withAlpha(color: string, alpha: number): string {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = color;
  const normal = ctx.fillStyle;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgba = /^rgba\((\d+), (\d+), (\d+), [\d.]+\)$/.exec(normal);
  return rgba ? `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${alpha})` : color;
}

type SeriesSpec = uPlot.Series & { label: string };

/**
 * Grouped runs as uPlot data: per group its mean (a thick line), max and min (faint lines filling a
 * band between them), and with `showGroupRuns` each run thin in its group's colour.
 */
function groupedData(
  o: HistoryChartOptions,
  palette: string[],
  value: (u: uPlot, v: number | null) => string,
): { data: uPlot.AlignedData; series: SeriesSpec[]; bands: uPlot.Band[] } {
  const aligned = alignHistories(o.runs, o.series, o.xMode, drawBudget(o.width));
  const groups = o.groups ?? [];
  const bands = groupBands(aligned, groups);
  const columns: (number | null)[][] = [];
  const series: SeriesSpec[] = [];
  const bandSpecs: uPlot.Band[] = [];
  bands.forEach((band) => {
    const groupIndex = groups.findIndex((g) => g.runIndexes.includes(band.runIndexes[0]));
    const group = groups[groupIndex];
    const color = runColor(groupIndex, palette);
    const label = `${group.label} (${band.runIndexes.length} run${band.runIndexes.length === 1 ? '' : 's'})`;
    columns.push(finishColumn(band.mean, o.smoothing, o.log), finishColumn(band.max, o.smoothing, o.log), finishColumn(band.min, o.smoothing, o.log));
    const first = series.length + 1;
    series.push(
      { label, stroke: color, width: 2.5, spanGaps: true, points: { show: false }, value },
      { label: `${group.label} max`, stroke: withAlpha(color, 0.4), width: 1, spanGaps: true, points: { show: false }, value },
      { label: `${group.label} min`, stroke: withAlpha(color, 0.4), width: 1, spanGaps: true, points: { show: false }, value },
    );
    bandSpecs.push({ series: [first + 1, first + 2], fill: withAlpha(color, 0.18) });
    if (o.showGroupRuns) {
      for (const runIndex of band.runIndexes) {
        columns.push(finishColumn(aligned.ys[aligned.runIndexes.indexOf(runIndex)], o.smoothing, o.log));
        series.push({ label: o.runs[runIndex].name, stroke: withAlpha(color, 0.55), width: 1, spanGaps: true, points: { show: false }, value });
      }
    }
  });
  return { data: [aligned.x, ...columns] as uPlot.AlignedData, series, bands: bandSpecs };
}

const X_LABELS: Record<XMode, string> = { step: 'step', wall: 'wall time', relative: 'relative time (s)' };

/** A metric's history: one line per run, drag to zoom (double-click resets), live legend values. */
export function historyChart(target: HTMLElement, o: HistoryChartOptions): uPlot {
  const colors = themeColors();
  const value = (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v));
  let data: uPlot.AlignedData;
  let lines: SeriesSpec[];
  let bands: uPlot.Band[] | undefined;
  if (o.groups && o.groups.length > 0) ({ data, series: lines, bands } = groupedData(o, colors.palette, value));
  else {
    const plain = historyData(o);
    data = plain.data;
    lines = plain.runIndexes.map((runIndex) => ({
      label: o.runs[runIndex].name,
      stroke: runColor(runIndex, colors.palette),
      width: 1.5,
      spanGaps: true,
      points: { show: false },
      value,
    }));
  }
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: colors.muted,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
    labelFont: '12px var(--vscode-font-family, sans-serif)',
    font: '11px var(--vscode-font-family, sans-serif)',
  });
  const yRange = o.ignoreOutliers ? robustRange(data.slice(1) as (number | null)[][], { log: o.log }) : undefined;
  const opts: uPlot.Options = {
    title: o.metricKey,
    width: o.width,
    height: o.height,
    scales: { x: { time: o.xMode === 'wall' }, y: { distr: o.log ? 3 : 1, ...(yRange ? { range: yRange } : {}) } },
    axes: [
      axis(o.xLabel ?? X_LABELS[o.xMode]),
      { ...axis(o.log ? `${o.metricKey} (log)` : o.metricKey), values: (_u, ticks) => ticks.map((t) => formatValue(t)), size: 70 },
    ],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { live: true },
    hooks: {
      setScale: [
        (u, scaleKey) => {
          const xs = u.data[0];
          const { min, max } = u.scales.x;
          if (scaleKey !== 'x' || !o.onZoom || xs.length === 0 || min === undefined || max === undefined) return;
          o.onZoom(min, max, min <= xs[0] && max >= xs[xs.length - 1]);
        },
      ],
    },
    series: [{ label: o.xLabel ?? X_LABELS[o.xMode], value: o.xMode === 'wall' ? undefined : (_u, v) => (v === null ? '—' : formatValue(v)) }, ...lines],
    ...(bands ? { bands } : {}),
  };
  const chart = new uPlot(opts, data, target);
  if (o.zoom) chart.setScale('x', o.zoom);
  return chart;
}

/** Values of a param or metric per run as numbers, or categories when not all are numeric. */
export function axisValues(comparison: Comparison, ref: string): { values: (number | null)[]; categories?: string[]; label: string } {
  const [kind, key] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  if (kind === 'metric') {
    const row = comparison.metrics.find((m) => m.key === key);
    return {
      values: comparison.runs.map((_, i) => (row?.latest[i] ?? null) as number | null).map((v) => (v !== null && Number.isFinite(v) ? v : null)),
      label: key,
    };
  }
  const row = comparison.params.find((p) => p.key === key);
  const raw = comparison.runs.map((_, i) => row?.values[i] ?? null);
  const numeric = raw.every((v) => v === null || (v.trim() !== '' && Number.isFinite(Number(v))));
  if (numeric) return { values: raw.map((v) => (v === null ? null : Number(v))), label: key };
  const categories = [...new Set(raw.filter((v): v is string => v !== null))].sort();
  return { values: raw.map((v) => (v === null ? null : categories.indexOf(v))), categories, label: key };
}

/** Scatter of any param/metric against another: one point per run (uPlot, points only). */
export function scatterChart(target: HTMLElement, comparison: Comparison, xRef: string, yRef: string, width: number, height: number): uPlot {
  const colors = themeColors();
  const x = axisValues(comparison, xRef);
  const y = axisValues(comparison, yRef);
  const present = comparison.runs.map((_, i) => i).filter((i) => x.values[i] !== null && y.values[i] !== null);
  present.sort((a, b) => x.values[a]! - x.values[b]!);
  const xs = present.map((i) => x.values[i]!);
  const columns = comparison.runs.map((_, runIndex) => present.map((i) => (i === runIndex ? y.values[i] : null)));
  const catValues = (cats?: string[]) =>
    cats
      ? (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (cats[t] ?? '') : ''))
      : (_u: uPlot, ticks: number[]) => ticks.map((t) => formatValue(t));
  const axis = (label: string, cats?: string[]): uPlot.Axis => ({
    label,
    stroke: colors.muted,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
    values: catValues(cats),
    size: 60,
  });
  const pad = (cats?: string[]) => (cats ? { range: [-0.5, cats.length - 0.5] as uPlot.Range.MinMax } : {});
  return new uPlot(
    {
      title: `${y.label} vs ${x.label}`,
      width,
      height,
      mode: 1,
      scales: { x: { time: false, ...pad(x.categories) }, y: { ...pad(y.categories) } },
      axes: [axis(x.label, x.categories), axis(y.label, y.categories)],
      cursor: { drag: { x: true, y: true, setScale: true }, points: { size: 12 } },
      legend: { live: true },
      series: [
        { label: x.label, value: (_u, v) => (v === null ? '—' : x.categories ? (x.categories[v] ?? '') : formatValue(v)) },
        ...comparison.runs.map((run, i) => ({
          label: run.name,
          stroke: runColor(i, colors.palette),
          fill: runColor(i, colors.palette),
          paths: () => null,
          points: { show: true, size: 10, width: 1, fill: runColor(i, colors.palette), stroke: runColor(i, colors.palette) },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : y.categories ? (y.categories[v] ?? '') : formatValue(v)),
        })),
      ],
    },
    [xs, ...columns] as unknown as uPlot.AlignedData,
    target,
  );
}

/**
 * A canvas chart of `width` × `height` CSS pixels, sharp on high-DPI screens and labelled for screen
 * readers; its context (none where the webview has no 2D canvas) is scaled to draw in CSS pixels.
 */
export function chartCanvas(width: number, height: number, label: string): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D | null } {
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const ctx = canvas.getContext('2d');
  ctx?.scale(dpr, dpr);
  return { canvas, ctx };
}

/**
 * Parallel coordinates: one vertical axis per param (numeric or categorical) and the chosen metric
 * last; one polyline per run in its colour. Drawn on a canvas: uPlot has no parallel axes.
 */
export function parallelCoordinates(comparison: Comparison, paramKeys: string[], metricKey: string, width: number, height: number): HTMLElement {
  const colors = themeColors();
  const axes = [...paramKeys.map((k) => axisValues(comparison, `param:${k}`)), axisValues(comparison, `metric:${metricKey}`)];
  const { canvas, ctx } = chartCanvas(width, height, `Parallel coordinates of ${paramKeys.join(', ')} against ${metricKey}`);
  if (!ctx || axes.length < 2) return canvas;
  const top = 28;
  const bottom = height - 24;
  const left = 50;
  const right = width - 60;
  const xAt = (i: number) => left + ((right - left) * i) / (axes.length - 1);
  const scales = axes.map((a) => {
    const finite = a.values.filter((v): v is number => v !== null);
    let lo = a.categories ? 0 : Math.min(...finite);
    let hi = a.categories ? Math.max(1, a.categories.length - 1) : Math.max(...finite);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
    if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
    return (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  });
  ctx.font = '11px sans-serif';
  ctx.textAlign = 'center';
  axes.forEach((a, i) => {
    const x = xAt(i);
    ctx.strokeStyle = colors.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.fillStyle = colors.fg;
    ctx.fillText(a.label.length > 18 ? `${a.label.slice(0, 17)}…` : a.label, x, top - 12);
    ctx.fillStyle = colors.muted;
    const finite = a.values.filter((v): v is number => v !== null);
    const ticks = a.categories
      ? a.categories.map((c, ci) => [ci, c] as const)
      : finite.length
        ? ([
            [Math.min(...finite), formatValue(Math.min(...finite))],
            [Math.max(...finite), formatValue(Math.max(...finite))],
          ] as const)
        : [];
    for (const [v, text] of ticks) ctx.fillText(String(text).slice(0, 12), x, scales[i](v) + (v === Math.min(...finite) && !a.categories ? 14 : -4));
  });
  comparison.runs.forEach((_, runIndex) => {
    ctx.strokeStyle = runColor(runIndex, colors.palette);
    ctx.lineWidth = 2;
    ctx.beginPath();
    let drawing = false;
    axes.forEach((a, i) => {
      const v = a.values[runIndex];
      if (v === null) {
        drawing = false;
        return;
      }
      const y = scales[i](v);
      if (drawing) ctx.lineTo(xAt(i), y);
      else ctx.moveTo(xAt(i), y);
      drawing = true;
    });
    ctx.stroke();
  });
  return canvas;
}
