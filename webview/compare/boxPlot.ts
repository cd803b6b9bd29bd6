// A box plot of a metric's latest values per run group (the Charts tab, when runs are grouped): one
// box per group (quartiles, median, Tukey whiskers, outliers as dots) on a canvas, with the figures
// in a table beside it for screen readers and copying. Figures: engine/compare/boxStatistics.ts (through
// runGroups.groupBoxes), the same as `mlflow-wb runs box-plot` prints.
import { groupBoxes } from '../../src/engine/compare/runGroups';
import type { Comparison } from '../contract';
import { chartCanvas, runColor, withAlpha } from './charts';
import { h } from '../shared/components';
import { formatValue } from '../shared/formatValue';
import { themeColors } from '../shared/themeColors';

export function boxPlot(comparison: Comparison, groupRef: string, metricKey: string, width: number, height: number): HTMLElement {
  const boxes = groupBoxes(comparison, groupRef, metricKey);
  const drawn = boxes.filter((b) => b.stats);
  const colors = themeColors();
  const { canvas, ctx } = chartCanvas(width, height, `Box plot of ${metricKey} per group`);
  const all = drawn.flatMap((b) => [b.stats!.min, b.stats!.max]);
  if (ctx && all.length > 0) {
    const top = 16;
    const bottom = height - 40;
    const left = 70;
    const right = width - 16;
    let lo = Math.min(...all);
    let hi = Math.max(...all);
    if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    ctx.font = '11px sans-serif';
    ctx.strokeStyle = colors.grid;
    ctx.fillStyle = colors.muted;
    ctx.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(left, y(v));
      ctx.lineTo(right, y(v));
      ctx.stroke();
      ctx.fillText(formatValue(v), left - 6, y(v) + 4);
    }
    const slot = (right - left) / boxes.length;
    ctx.textAlign = 'center';
    boxes.forEach((b, i) => {
      const cx = left + slot * (i + 0.5);
      ctx.fillStyle = colors.fg;
      ctx.fillText(b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label, cx, bottom + 18);
      const s = b.stats;
      if (!s) return;
      const color = runColor(i, colors.palette);
      const half = Math.min(40, slot * 0.3);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      // Whiskers, box, median.
      ctx.beginPath();
      ctx.moveTo(cx, y(s.lowWhisker));
      ctx.lineTo(cx, y(s.q1));
      ctx.moveTo(cx, y(s.q3));
      ctx.lineTo(cx, y(s.highWhisker));
      ctx.moveTo(cx - half / 2, y(s.lowWhisker));
      ctx.lineTo(cx + half / 2, y(s.lowWhisker));
      ctx.moveTo(cx - half / 2, y(s.highWhisker));
      ctx.lineTo(cx + half / 2, y(s.highWhisker));
      ctx.stroke();
      ctx.fillStyle = withAlpha(color, 0.25);
      ctx.fillRect(cx - half, y(s.q3), half * 2, Math.max(1, y(s.q1) - y(s.q3)));
      ctx.strokeRect(cx - half, y(s.q3), half * 2, Math.max(1, y(s.q1) - y(s.q3)));
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(cx - half, y(s.median));
      ctx.lineTo(cx + half, y(s.median));
      ctx.stroke();
      ctx.fillStyle = color;
      for (const o of s.outliers) {
        ctx.beginPath();
        ctx.arc(cx, y(o), 3, 0, Math.PI * 2);
        ctx.fill();
      }
    });
  }
  const table = h(
    'table',
    { className: 'grid box-figures' },
    h('thead', {}, h('tr', {}, ...['group', 'runs', 'min', 'q1', 'median', 'q3', 'max'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...boxes.map((b) =>
        h(
          'tr',
          { dataset: { group: b.label } },
          h('th', { scope: 'row' }, b.label),
          h('td', {}, String(b.stats?.count ?? 0)),
          ...(b.stats
            ? [b.stats.min, b.stats.q1, b.stats.median, b.stats.q3, b.stats.max].map((v) => h('td', {}, formatValue(v)))
            : [h('td', { colSpan: 5 }, `no ${metricKey}`)]),
        ),
      ),
    ),
  );
  return h('div', { className: 'box-plot', dataset: { metric: metricKey, groups: String(drawn.length) } }, canvas, table);
}
