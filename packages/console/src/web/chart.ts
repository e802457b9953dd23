// A small SVG line chart: one line per series over the same sample times, the y axis from 0
// to a rounded maximum, gaps where a series has no value (a member that did not answer).
import { h } from './dom.js';

export interface Series {
  name: string;
  /** One value per sample time; null leaves a gap. */
  values: (number | null)[];
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
const HEIGHT = 120;
const PAD_LEFT = 58;
const PAD_BOTTOM = 16;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** 1, 2 or 5 times a power of ten, at least `v`: an axis maximum that reads well. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

export function formatValue(v: number | null, unit: string): string {
  if (v === null) return '–';
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

/**
 * A figure with the chart, its title and a legend giving each series' latest value. The width
 * spans `slots` values, the last at the right edge ("now"), so a young chart fills from the right.
 */
export function lineChart(title: string, unit: string, series: Series[], windowSeconds: number, slots: number): HTMLElement {
  const samples = Math.max(0, ...series.map((s) => s.values.length));
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const plotW = WIDTH - PAD_LEFT - 4;
  const plotH = HEIGHT - PAD_BOTTOM - 6;
  const x = (i: number) => PAD_LEFT + plotW * Math.max(0, 1 - (samples - 1 - i) / Math.max(1, slots - 1));
  const y = (v: number) => 6 + plotH - (v / max) * plotH;
  const latest = series.map((s) => [...s.values].reverse().find((v) => v !== null) ?? null);
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  root.setAttribute('aria-label', `${title}: ${series.map((s, i) => `${s.name} ${formatValue(latest[i]!, unit)}`).join(', ')}`);
  root.append(
    svg('line', { x1: PAD_LEFT, y1: 6, x2: PAD_LEFT, y2: 6 + plotH, class: 'axis' }),
    svg('line', { x1: PAD_LEFT, y1: 6 + plotH, x2: WIDTH - 4, y2: 6 + plotH, class: 'axis' }),
    svg('text', { x: PAD_LEFT - 4, y: 12, class: 'tick', 'text-anchor': 'end' }, formatValue(max, unit)),
    svg('text', { x: PAD_LEFT - 4, y: 6 + plotH, class: 'tick', 'text-anchor': 'end' }, '0'),
    svg('text', { x: PAD_LEFT, y: HEIGHT - 2, class: 'tick' }, `−${windowSeconds} s`),
    svg('text', { x: WIDTH - 4, y: HEIGHT - 2, class: 'tick', 'text-anchor': 'end' }, 'now'),
  );
  series.forEach((s, si) => {
    // Each run of values without a gap is one polyline.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0) root.append(svg('polyline', { points: run.join(' '), class: `line s${si}`, 'data-series': s.name }));
      run = [];
    };
    s.values.forEach((v, i) => (v === null ? flush() : run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`)));
    flush();
  });
  return h(
    'figure',
    { class: 'chart-box' },
    h('figcaption', {}, title),
    root,
    h('ul', { class: 'legend' }, ...series.map((s, i) => h('li', { class: `s${i}` }, `${s.name}: ${formatValue(latest[i]!, unit)}`))),
  );
}
