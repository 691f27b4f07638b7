/**
 * The comparison page of `compare` (and of sweeps): built from the
 * compare.json document alone, so any writer of that shape gets the same
 * page. Table of the variants; overlaid price paths (when the document
 * carries them); bad debt against amplification; and, for exactly two
 * varied inputs, the phase diagram: amplification over the grid with the
 * critical line where the peak summed branching ratio is 1.
 *
 * The scatter and the heatmap are server-rendered SVG (hover values via
 * <title>); only the price overlay needs the chart script.
 */
import { CascadeError } from '../../core/errors.js';
import { PALETTE } from './chartSpec.js';
import { levelSegments } from './contour.js';
import { compactNumber, displayNumber, escapeHtml } from './format.js';
import { renderPage } from './pageTemplate.js';

/** The subset of compare.json the page reads (src/sweep/compare.ts writes it). */
export interface CompareDoc {
  readonly scenarioName: string;
  readonly seed: number;
  readonly compareHash?: string;
  readonly dataSource?: string;
  readonly dataLabel?: string;
  readonly synthetic?: boolean;
  readonly firstBar?: string;
  readonly lastBar?: string;
  readonly vary: ReadonlyArray<{ readonly path: string; readonly values: readonly unknown[] }>;
  readonly metrics: readonly string[];
  /** The figure that colours the phase diagram, when not amplification. */
  readonly heatmapFigure?: string;
  readonly rows: ReadonlyArray<{
    readonly variant: number;
    readonly values: Readonly<Record<string, unknown>>;
    readonly set?: readonly string[];
    readonly figures: Readonly<Record<string, number | string | null>>;
    /** The first earlier variant whose run gave every summary figure this one gave. */
    readonly sameRunAs?: number;
  }>;
  readonly pricePaths?: PricePaths;
}

/** Downsampled simulated closes of every variant on shared bars (src/sweep/compare.ts). */
export interface PricePaths {
  readonly secondsAfterFirstBar: readonly number[];
  readonly firstBarSeconds: number;
  readonly historical: ReadonlyArray<number | null>;
  /** One path per row, in row order. */
  readonly variants: ReadonlyArray<ReadonlyArray<number | null>>;
}

/** The critical level of the summed branching ratio. */
export const CRITICAL_LEVEL = 1;

function fail(why: string): never {
  throw new CascadeError(`compare.json: ${why}`);
}

export function checkDoc(doc: unknown): CompareDoc {
  if (doc === null || typeof doc !== 'object') fail('not an object');
  const d = doc as Partial<CompareDoc>;
  if (!Array.isArray(d.vary)) fail("no 'vary' list");
  if (!Array.isArray(d.rows)) fail("no 'rows' list");
  if (!Array.isArray(d.metrics)) fail("no 'metrics' list");
  return d as CompareDoc;
}

export function num(v: number | string | null | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?Infinity$/.test(v)) return Number(v);
  return null;
}

/** Axis tick text: 4 significant digits (or `digits`) with k / M / B for thousands, millions, billions. */
export function tickText(v: number, digits = 4): string {
  const a = Math.abs(v);
  const [d, unit] = a >= 1e9 ? [1e9, 'B'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e4 ? [1e3, 'k'] : [1, ''];
  return `${Number((v / d).toPrecision(digits))}${unit}`;
}

/**
 * Tick texts for values that must read as different when they differ:
 * tickText's 4 significant digits, or more (up to 12) when a narrow range
 * (amplification 1.25885 to 1.25894) would print one label for all.
 */
export function tickTexts(values: readonly number[]): string[] {
  const distinct = new Set(values).size;
  for (let digits = 4; digits < 12; digits++) {
    const texts = values.map((v) => tickText(v, digits));
    if (new Set(texts).size === distinct) return texts;
  }
  return values.map((v) => tickText(v, 12));
}

export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '–' : JSON.stringify(v);
}

/** Viridis at t in [0, 1] (five stops, linear between them). */
export function viridis(t: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  const c = stops[k].map((a, n) => Math.round(a + f * (stops[k + 1][n] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** What the console and the page say of a variant whose run repeated an earlier one's. */
export function sameRunText(later: string, earlier: string): string {
  return `${later} gave every summary figure of ${earlier}: the change did not reach the run (a limit elsewhere binds first?)`;
}

export function table(doc: CompareDoc): string {
  const axes = doc.vary.map((a) => a.path);
  const head = [...axes, ...doc.metrics].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = doc.rows
    .map((r) => {
      const vals = axes.map((p) => `<td>${escapeHtml(valueText(r.values[p]))}</td>`).join('');
      const figs = doc.metrics
        .map((m) => {
          const v = r.figures[m];
          return typeof v === 'number'
            ? `<td class="num" data-metric="${escapeHtml(m)}" data-value="${String(v)}">${displayNumber(v)}</td>`
            : `<td class="num" data-metric="${escapeHtml(m)}">${v === null || v === undefined ? '–' : escapeHtml(String(v))}</td>`;
        })
        .join('');
      return `<tr data-variant="${r.variant}">${vals}${figs}</tr>`;
    })
    .join('\n');
  const name = (variant: number): string => {
    const r = doc.rows.find((x) => x.variant === variant);
    return `variant ${variant + 1}${r !== undefined ? ` (${axes.map((p) => `${p}=${valueText(r.values[p])}`).join(', ')})` : ''}`;
  };
  const same = doc.rows
    .filter((r) => r.sameRunAs !== undefined)
    .map((r) => `<p class="note">${escapeHtml(sameRunText(name(r.variant), name(r.sameRunAs!)))}.</p>`)
    .join('\n');
  return `<div style="overflow-x:auto"><table id="compare-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>\n${same === '' ? '' : `${same}\n`}`;
}

/**
 * The range an axis shows for `values`: their extremes widened by `pad` of
 * their spread on each side, or, when they are all equal, by 5% of the value
 * (and 1e-9, for zero) so the axis still has a length.
 */
export function axisSpan(values: readonly number[], pad = 0): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi === lo) return [lo - (Math.abs(lo) * 0.05 + 1e-9), hi + (Math.abs(hi) * 0.05 + 1e-9)];
  return [lo - (hi - lo) * pad, hi + (hi - lo) * pad];
}

/** Bad debt (y) against amplification (x), one dot per variant, labelled by its values. */
/** The two figures a scatter plots, with their names on the page and the svg's id. */
export interface ScatterAxes {
  readonly id: string;
  readonly x: { readonly figure: string; readonly label: string };
  readonly y: { readonly figure: string; readonly label: string };
  /** Why nothing is drawn when no variant has both. */
  readonly missing: string;
}

const BAD_DEBT_BY_AMPLIFICATION: ScatterAxes = {
  id: 'scatter',
  x: { figure: 'amplification', label: 'amplification' },
  y: { figure: 'badDebt', label: 'bad debt (quote)' },
  missing: 'no variant has both amplification and bad debt (no protocol?)',
};

/** A strategy's risk and return: its simulated return over its maximum drawdown, a dot per variant. */
export const STRATEGY_RETURN_BY_DRAWDOWN: ScatterAxes = {
  id: 'strategy-scatter',
  x: { figure: 'strategy.simulated.stats.maxDrawdown', label: 'max drawdown (fraction)' },
  y: { figure: 'strategy.simulated.returnFraction', label: 'return (fraction)' },
  missing: 'no variant has both a return and a drawdown',
};

export function scatter(doc: CompareDoc, axes: ScatterAxes = BAD_DEBT_BY_AMPLIFICATION): string {
  const pts = doc.rows.flatMap((r) => {
    const x = num(r.figures[axes.x.figure]);
    const y = num(r.figures[axes.y.figure]);
    return x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y) ? [{ x, y, r }] : [];
  });
  if (pts.length === 0) return `<p class="note omitted">Not drawn: ${escapeHtml(axes.missing)}.</p>\n`;
  const W = 640;
  const H = 320;
  const L = 80;
  const B = 40;
  const [x0, x1] = axisSpan(pts.map((p) => p.x));
  const [y0, y1] = axisSpan(pts.map((p) => p.y));
  const px = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - 20);
  const py = (y: number): number => H - B - ((y - y0) / (y1 - y0)) * (H - B - 20);
  const dots = pts
    .map((p, k) => {
      const label = doc.vary.map((a) => `${a.path}=${valueText(p.r.values[a.path])}`).join(', ');
      return `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="5" fill="${PALETTE[k % PALETTE.length]}" fill-opacity="0.85"><title>${escapeHtml(label)}: ${escapeHtml(axes.x.label)} ${displayNumber(p.x)}, ${escapeHtml(axes.y.label)} ${displayNumber(p.y)}</title></circle>`;
    })
    .join('');
  const at = [0, 0.5, 1];
  const xs = at.map((t) => x0 + t * (x1 - x0));
  const ys = at.map((t) => y0 + t * (y1 - y0));
  const [xt, yt] = [tickTexts(xs), tickTexts(ys)];
  const ticks = at
    .map(
      (_t, k) =>
        // The last tick ends at the frame's right edge, so a long label is not cut by the picture's.
        `<text x="${px(xs[k]).toFixed(1)}" y="${H - B + 16}" text-anchor="${k === at.length - 1 ? 'end' : 'middle'}">${xt[k]}</text>` +
        `<text x="${L - 6}" y="${(py(ys[k]) + 4).toFixed(1)}" text-anchor="end">${yt[k]}</text>`,
    )
    .join('');
  return (
    `<svg id="${axes.id}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`${axes.y.label} against ${axes.x.label}`)}">` +
    `<rect x="${L}" y="20" width="${W - L - 20}" height="${H - B - 20}" fill="none" stroke="#bbb"/>${ticks}${dots}` +
    `<text x="${(L + W) / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(axes.x.label)}</text>` +
    `<text x="14" y="${(H - B) / 2}" transform="rotate(-90 14 ${(H - B) / 2})" text-anchor="middle">${escapeHtml(axes.y.label)}</text></svg>\n`
  );
}

/** What a heatmap colours its cells by: a figure of the rows, and its name on the page. */
export interface HeatmapColour {
  readonly figure: string;
  readonly label: string;
}

const AMPLIFICATION: HeatmapColour = { figure: 'amplification', label: 'amplification' };

/**
 * The phase diagram for two varied inputs: cell (i, j) is the variant with
 * the i-th value of the first input and the j-th of the second, coloured by
 * amplification (or `colour`); the red line is where the peak summed
 * branching ratio crosses 1 (between cell centres, linear interpolation).
 */
export function heatmap(doc: CompareDoc, colour: HeatmapColour = AMPLIFICATION): string {
  if (doc.vary.length !== 2) {
    return `<p class="note omitted">Not drawn: the phase diagram needs exactly two varied inputs (this compare varies ${doc.vary.length}).</p>\n`;
  }
  const [ax, ay] = doc.vary;
  const nx = ax.values.length;
  const ny = ay.values.length;
  const key = (v: unknown): string => JSON.stringify(v);
  const ix = new Map(ax.values.map((v, i) => [key(v), i]));
  const iy = new Map(ay.values.map((v, j) => [key(v), j]));
  const amp: Array<Array<number | null>> = Array.from({ length: nx }, () => new Array<number | null>(ny).fill(null));
  const br: Array<Array<number | null>> = Array.from({ length: nx }, () => new Array<number | null>(ny).fill(null));
  for (const r of doc.rows) {
    const i = ix.get(key(r.values[ax.path]));
    const j = iy.get(key(r.values[ay.path]));
    if (i === undefined || j === undefined) continue;
    amp[i][j] = num(r.figures[colour.figure]);
    br[i][j] = num(r.figures.peakBranchingRatioSum);
  }
  const finite = amp.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return `<p class="note omitted">Not drawn: no variant has a finite ${escapeHtml(colour.label)}.</p>\n`;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const cw = Math.max(28, Math.min(90, Math.floor(560 / nx)));
  const ch = Math.max(22, Math.min(60, Math.floor(360 / ny)));
  const L = 150;
  const T = 40;
  const H = T + ny * ch;
  const W = L + nx * cw + 110;
  // Cell (i, j) spans x in [L + i·cw, L + (i+1)·cw); j grows upwards (j = 0 at the bottom).
  const cx = (i: number): number => L + (i + 0.5) * cw;
  const cy = (j: number): number => T + (ny - j - 0.5) * ch;
  let cells = '';
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const a = amp[i][j];
      const b = br[i][j];
      const fill = a === null || !Number.isFinite(a) ? '#eeeeee' : viridis(hi > lo ? (a - lo) / (hi - lo) : 0.5);
      const tip = `${ax.path}=${valueText(ax.values[i])}, ${ay.path}=${valueText(ay.values[j])}: ${colour.label} ${a === null ? '–' : displayNumber(a)}, peak summed branching ratio ${b === null ? '–' : displayNumber(b)}`;
      cells += `<rect class="cell" x="${L + i * cw}" y="${T + (ny - j - 1) * ch}" width="${cw}" height="${ch}" fill="${fill}" data-${colour === AMPLIFICATION ? 'amplification' : 'value'}="${a ?? ''}" data-branching="${b ?? ''}"><title>${escapeHtml(tip)}</title></rect>`;
    }
  }
  const segs = levelSegments(br, CRITICAL_LEVEL);
  const line = segs
    .map((s) => `<line x1="${cx(s.x1).toFixed(2)}" y1="${cy(s.y1).toFixed(2)}" x2="${cx(s.x2).toFixed(2)}" y2="${cy(s.y2).toFixed(2)}"/>`)
    .join('');
  const xl = ax.values.map((v, i) => `<text x="${cx(i)}" y="${H + 14}" text-anchor="middle">${escapeHtml(valueText(v))}</text>`).join('');
  const yl = ay.values.map((v, j) => `<text x="${L - 6}" y="${cy(j) + 4}" text-anchor="end">${escapeHtml(valueText(v))}</text>`).join('');
  const stops = [0, 0.25, 0.5, 0.75, 1];
  const stopTexts = tickTexts(stops.map((t) => lo + t * (hi - lo)));
  const legend = stops
    .map((t, k) => `<rect x="${L + nx * cw + 16}" y="${T + (4 - k) * 18}" width="14" height="18" fill="${viridis(t)}"/><text x="${L + nx * cw + 34}" y="${T + (4 - k) * 18 + 13}">${stopTexts[k]}</text>`)
    .join('');
  const note =
    segs.length > 0
      ? 'Red line: the peak summed branching ratio equals 1 (critical); on its other side cascades feed themselves.'
      : br.flat().some((v) => v !== null)
        ? 'No critical line: the peak summed branching ratio stays on one side of 1 over the whole grid.'
        : 'No critical line: the compare did not record the peak summed branching ratio.';
  return (
    `<p class="caption">${escapeHtml(colour.label[0].toUpperCase() + colour.label.slice(1))} (colour) over ${escapeHtml(ax.path)} (across) and ${escapeHtml(ay.path)} (up). ${note}</p>\n` +
    `<svg id="heatmap" width="${W}" height="${H + 40}" viewBox="0 0 ${W} ${H + 40}" role="img" aria-label="phase diagram">` +
    `${cells}<g id="critical-line" stroke="#e41a1c" stroke-width="3" stroke-linecap="round">${line}</g>${xl}${yl}${legend}` +
    `<text x="${L + (nx * cw) / 2}" y="${H + 32}" text-anchor="middle">${escapeHtml(ax.path)}</text>` +
    `<text x="${L + nx * cw + 16}" y="${T - 4}">${escapeHtml(colour.figure.slice(colour.figure.lastIndexOf('.') + 1))}</text>` +
    // The upward input's name is written level above its values: turned along the side, a long path outgrew a short grid and was cut.
    `<text x="4" y="${T - 22}">↑ ${escapeHtml(ay.path)}</text></svg>\n`
  );
}

function rowLabel(doc: CompareDoc, r: CompareDoc['rows'][number]): string {
  return doc.vary.map((a) => `${a.path.split('.').pop()}=${valueText(r.values[a.path])}`).join(' ');
}

function priceData(doc: CompareDoc): unknown | undefined {
  const p = doc.pricePaths;
  if (p === undefined || p.variants.length !== doc.rows.length) return undefined;
  return {
    t0: p.firstBarSeconds,
    charts: [
      {
        id: 'paths',
        title: 'Price paths',
        unit: 'quote',
        series: [{ label: 'historical', color: '#555555' }, ...doc.rows.map((r, k) => ({ label: rowLabel(doc, r), color: PALETTE[k % PALETTE.length] }))],
        x: p.secondsAfterFirstBar,
        y: [p.historical.map((v) => (v === null ? null : compactNumber(v))), ...p.variants.map((v) => v.map((x) => (x === null ? null : compactNumber(x))))],
      },
    ],
  };
}

/** The comparison page for a compare.json document (parsed). */
export function buildComparisonReport(compareJson: unknown): string {
  const doc = checkDoc(compareJson);
  const data = priceData(doc);
  const meta: Array<[string, string]> = [
    ['scenario', escapeHtml(String(doc.scenarioName))],
    ['data', `${doc.synthetic ? `<strong>${escapeHtml(String(doc.dataLabel ?? ''))}</strong>` : escapeHtml(String(doc.dataLabel ?? ''))}: ${escapeHtml(String(doc.dataSource ?? ''))}`],
    ['window', `${escapeHtml(String(doc.firstBar ?? ''))} .. ${escapeHtml(String(doc.lastBar ?? ''))}`],
    ['seed', escapeHtml(String(doc.seed))],
    ['compare hash', escapeHtml(String(doc.compareHash ?? ''))],
    ['varied', doc.vary.map((a) => `${escapeHtml(a.path)} ∈ {${a.values.map((v) => escapeHtml(valueText(v))).join(', ')}}`).join('; ')],
  ];
  const body =
    `<h1>Comparison: ${escapeHtml(String(doc.scenarioName))} (${doc.rows.length} variants)</h1>\n` +
    (doc.synthetic ? '<div class="synthetic">SYNTHETIC path: generated by cascade-lab, not historical data.</div>\n' : '') +
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>\n` +
    '<h2>Phase diagram</h2>\n' +
    heatmap(doc, doc.heatmapFigure === undefined ? AMPLIFICATION : { figure: doc.heatmapFigure, label: doc.heatmapFigure }) +
    '<h2>Price paths</h2>\n' +
    (data !== undefined
      ? '<p class="caption">Simulated close of every variant over the historical one (drag to zoom, hover for values; each bucket\'s lowest and highest bar kept).</p>\n<div class="chart" id="chart-paths"></div>\n'
      : '<p class="note omitted">Not drawn: this compare.json carries no price paths.</p>\n') +
    '<h2>Bad debt against amplification</h2>\n' +
    scatter(doc) +
    (doc.metrics.includes(STRATEGY_RETURN_BY_DRAWDOWN.y.figure) && doc.metrics.includes(STRATEGY_RETURN_BY_DRAWDOWN.x.figure)
      ? '<h2>Strategy: return against drawdown</h2>\n<p class="caption">The strategy\'s simulated return over its maximum drawdown, a dot per variant (hover for its values): up and to the left is better.</p>\n' +
        scatter(doc, STRATEGY_RETURN_BY_DRAWDOWN)
      : '') +
    '<h2>Variants</h2>\n' +
    table(doc);
  return renderPage({ title: `cascade-lab compare: ${String(doc.scenarioName)}`, body, ...(data !== undefined ? { data } : {}) });
}
