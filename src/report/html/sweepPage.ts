/**
 * The page of a sweep (sweep.html), built from sweep.json alone: what was
 * tuned and against what (method, windows, objective, constraints), the
 * point each fold chose with its in-sample and out-of-sample objective and
 * the overfitting figures, the objective over the parameters, then the
 * comparison page's scatter and the table of every trial. The sweep's
 * objective, not amplification, colours the parameter plots: it is what
 * the sweep ranks by.
 */
import { CascadeError } from '../../core/errors.js';
import { PALETTE } from './chartSpec.js';
import { axisSpan, checkDoc, heatmap, num, scatter, table, tickTexts, valueText, viridis, type CompareDoc } from './comparePage.js';
import { displayNumber, escapeHtml } from './format.js';
import { renderPage } from './pageTemplate.js';
import { rankText, tieText, type Analysis } from '../sweepAnalysis.js';

/** What sweep.json adds to compare.json's layout (src/sweep/sweep.ts writes it). */
export interface SweepDoc extends CompareDoc {
  readonly kind: 'sweep';
  readonly name: string;
  readonly sweepHash?: string;
  readonly method: string;
  readonly validation: string;
  readonly objective: { readonly figure: string; readonly goal: 'min' | 'max' };
  readonly constraints: ReadonlyArray<{ readonly figure: string; readonly min?: number; readonly max?: number }>;
  readonly windows: readonly string[];
  readonly analysis: Analysis;
}

/** The varied axis that is the window, not a parameter (src/sweep/sweep.ts puts it first). */
const WINDOW_AXIS = 'window';

function figureText(v: number | null): string {
  return v === null ? '–' : displayNumber(v);
}

function constraintText(c: SweepDoc['constraints'][number]): string {
  return `${c.figure}${c.min !== undefined ? ` ≥ ${c.min}` : ''}${c.max !== undefined ? ` ≤ ${c.max}` : ''}`;
}

/** The folds: the point each chose on its training windows, beside how it did on the window it held out. */
function foldsTable(doc: SweepDoc): string {
  const heldOut = doc.analysis.folds.some((f) => f.test !== null);
  const head = ['fold', 'tuned on', 'chosen point', `in-sample ${doc.objective.figure} (mean)`, ...(heldOut ? ['held out', 'out-of-sample', 'rank there'] : [])];
  const rows = doc.analysis.folds.map((f) => {
    const point = f.values === null ? 'no feasible point' : Object.entries(f.values).map(([k, v]) => `${k}=${valueText(v)}`).join(', ');
    const cells = [
      escapeHtml(f.name),
      escapeHtml(f.train.join(', ')),
      `${escapeHtml(point)}${tieText(f, displayNumber) === '' ? '' : `<br><span class="note" data-tied="${f.tiedInSample}">${escapeHtml(tieText(f, displayNumber))}</span>`}`,
      `<span class="num" data-in-sample="${f.inSample ?? ''}">${figureText(f.inSample)}</span>`,
      ...(heldOut
        ? [
            escapeHtml(f.test ?? '–'),
            `${figureText(f.outOfSample)}${f.outOfSampleFeasible === false ? ' (infeasible)' : ''}`,
            rankText(f) === '' ? '–' : rankText(f),
          ]
        : []),
    ];
    return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<table id="folds"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>\n`;
}

function overfittingText(doc: SweepDoc): string {
  const o = doc.analysis.overfitting;
  const dsr = o.deflatedSharpe
    ? `${o.deflatedSharpe.probability.toFixed(3)} (Sharpe ${o.deflatedSharpe.sharpe.toFixed(3)} of the best point over the windows, against ${o.deflatedSharpe.expectedMaxSharpe.toFixed(3)} expected of the best of ${o.deflatedSharpe.trials} points by luck)`
    : '–';
  const pbo = o.pbo ? `${o.pbo.pbo.toFixed(3)} (${o.pbo.combinations} splits of ${o.pbo.partitions} windows)` : '–';
  return (
    `<dl class="meta" id="overfitting"><dt>deflated Sharpe ratio</dt><dd>${escapeHtml(dsr)}</dd><dt>probability of backtest overfitting</dt><dd>${escapeHtml(pbo)}</dd></dl>\n` +
    o.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>\n`).join('')
  );
}

/** Per point (the parameters' values, window aside): the rows of its windows. */
function byPoint(doc: SweepDoc, params: readonly string[]): Array<{ values: Record<string, unknown>; rows: CompareDoc['rows'][number][] }> {
  const points = new Map<string, { values: Record<string, unknown>; rows: CompareDoc['rows'][number][] }>();
  for (const r of doc.rows) {
    const values = Object.fromEntries(params.map((p) => [p, r.values[p]]));
    const key = JSON.stringify(params.map((p) => r.values[p]));
    const at = points.get(key);
    if (at) at.rows.push(r);
    else points.set(key, { values, rows: [r] });
  }
  return [...points.values()];
}

/** The mean of a figure over every window of a point, as the analysis takes it; null when a window lacks it. */
function meanOverWindows(rows: readonly CompareDoc['rows'][number][], figure: string, windows: number): number | null {
  if (rows.length !== windows) return null;
  let sum = 0;
  for (const r of rows) {
    const v = num(r.figures[figure]);
    if (v === null || !Number.isFinite(v)) return null;
    sum += v;
  }
  return sum / rows.length;
}

interface Dot {
  readonly x: number;
  readonly y: number;
  readonly fill: string;
  readonly title: string;
}

/** Positions of an axis' values: the numbers themselves when every value is one, else their order (with the values as tick labels). */
function axisOf(values: readonly unknown[]): { at: (v: unknown) => number; ticks: Array<{ at: number; text: string }> } {
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const xs = values as number[];
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const stops = lo === hi ? [lo] : [lo, (lo + hi) / 2, hi];
    const texts = tickTexts(stops);
    return { at: (v) => v as number, ticks: stops.map((s, k) => ({ at: s, text: texts[k] })) };
  }
  const keys = values.map((v) => JSON.stringify(v));
  return { at: (v) => keys.indexOf(JSON.stringify(v)), ticks: values.map((v, k) => ({ at: k, text: valueText(v) })) };
}

/** An SVG of dots over two axes, ticks at the given positions. */
function dotPlot(id: string, dots: readonly Dot[], x: { label: string; ticks: ReadonlyArray<{ at: number; text: string }> }, y: { label: string; ticks: ReadonlyArray<{ at: number; text: string }> }, legend: string): string {
  const W = 720;
  const H = 340;
  const L = 90;
  const B = 44;
  // 4% of room on each side, so no dot sits on the frame.
  const [x0, x1] = axisSpan([...dots.map((d) => d.x), ...x.ticks.map((t) => t.at)], 0.04);
  const [y0, y1] = axisSpan([...dots.map((d) => d.y), ...y.ticks.map((t) => t.at)], 0.04);
  const px = (v: number): number => L + ((v - x0) / (x1 - x0)) * (W - L - 150);
  const py = (v: number): number => H - B - ((v - y0) / (y1 - y0)) * (H - B - 16);
  const marks = dots.map((d) => `<circle cx="${px(d.x).toFixed(1)}" cy="${py(d.y).toFixed(1)}" r="5" fill="${d.fill}" fill-opacity="0.9"><title>${escapeHtml(d.title)}</title></circle>`).join('');
  const xt = x.ticks.map((t) => `<text x="${px(t.at).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${escapeHtml(t.text)}</text>`).join('');
  const yt = y.ticks.map((t) => `<text x="${L - 6}" y="${(py(t.at) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(t.text)}</text>`).join('');
  return (
    `<svg id="${id}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(y.label)} over ${escapeHtml(x.label)}">` +
    `<rect x="${L}" y="16" width="${W - L - 150}" height="${H - B - 16}" fill="none" stroke="#bbb"/>${xt}${yt}${marks}${legend}` +
    `<text x="${(L + W - 150) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(x.label)}</text>` +
    `<text x="14" y="${(H - B) / 2}" transform="rotate(-90 14 ${(H - B) / 2})" text-anchor="middle">${escapeHtml(y.label)}</text></svg>\n`
  );
}

/** One parameter: the objective on each window (a colour each) and their mean, over the parameter's values. */
function overOneParameter(doc: SweepDoc, param: string): string {
  const figure = doc.objective.figure;
  const values = doc.vary.find((a) => a.path === param)?.values ?? [];
  const xAxis = axisOf(values);
  const dots: Dot[] = [];
  doc.windows.forEach((w, k) => {
    for (const r of doc.rows) {
      const v = num(r.figures[figure]);
      if (r.values[WINDOW_AXIS] !== w || v === null || !Number.isFinite(v)) continue;
      dots.push({ x: xAxis.at(r.values[param]), y: v, fill: PALETTE[k % PALETTE.length], title: `${w}, ${param}=${valueText(r.values[param])}: ${figure} ${displayNumber(v)}` });
    }
  });
  if (doc.windows.length > 1) {
    for (const p of byPoint(doc, [param])) {
      const m = meanOverWindows(p.rows, figure, doc.windows.length);
      if (m !== null) dots.push({ x: xAxis.at(p.values[param]), y: m, fill: '#111111', title: `mean over the windows, ${param}=${valueText(p.values[param])}: ${figure} ${displayNumber(m)}` });
    }
  }
  if (dots.length === 0) return `<p class="note omitted">Not drawn: no trial has a finite ${escapeHtml(figure)}.</p>\n`;
  const ys = dots.map((d) => d.y);
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  const yStops = lo === hi ? [lo] : [lo, (lo + hi) / 2, hi];
  const yTexts = tickTexts(yStops);
  const keys = [...doc.windows.map((w, k) => [w, PALETTE[k % PALETTE.length]] as const), ...(doc.windows.length > 1 ? [['mean', '#111111'] as const] : [])];
  const legend = keys.map(([label, fill], k) => `<circle cx="${720 - 130}" cy="${26 + k * 18}" r="5" fill="${fill}"/><text x="${720 - 120}" y="${30 + k * 18}">${escapeHtml(label)}</text>`).join('');
  return (
    `<p class="caption">${escapeHtml(figure)} (${doc.objective.goal === 'max' ? 'higher' : 'lower'} is better) on each window${doc.windows.length > 1 ? ', and its mean over the windows (black), what the sweep ranks by' : ''}, over ${escapeHtml(param)}.</p>\n` +
    dotPlot('objective-plot', dots, { label: param, ticks: xAxis.ticks }, { label: figure, ticks: yStops.map((s, k) => ({ at: s, text: yTexts[k] })) }, legend)
  );
}

/** Two parameters: the mean objective over the windows of each point, as a grid (grid sweeps) or as coloured dots (other methods). */
function overTwoParameters(doc: SweepDoc, params: readonly [string, string]): string {
  const figure = doc.objective.figure;
  const points = byPoint(doc, params).map((p) => ({
    values: p.values,
    mean: meanOverWindows(p.rows, figure, doc.windows.length),
    branching: p.rows.reduce<number | null>((m, r) => {
      const b = num(r.figures.peakBranchingRatioSum);
      return b === null ? m : m === null ? b : Math.max(m, b);
    }, null),
  }));
  const colour = { figure, label: `mean ${figure} over the windows (${doc.objective.goal === 'max' ? 'higher' : 'lower'} is better)` };
  if (doc.method === 'grid') {
    const grid: CompareDoc = {
      scenarioName: doc.scenarioName,
      seed: doc.seed,
      vary: params.map((p) => ({ path: p, values: doc.vary.find((a) => a.path === p)?.values ?? [] })),
      metrics: [figure],
      rows: points.map((p, k) => ({ variant: k, values: p.values, figures: { [figure]: p.mean, peakBranchingRatioSum: p.branching } })),
    };
    return heatmap(grid, colour);
  }
  const finite = points.filter((p) => p.mean !== null);
  if (finite.length === 0) return `<p class="note omitted">Not drawn: no point has a finite ${escapeHtml(figure)} on every window.</p>\n`;
  const means = finite.map((p) => p.mean as number);
  const [lo, hi] = [Math.min(...means), Math.max(...means)];
  const xAxis = axisOf(doc.vary.find((a) => a.path === params[0])?.values ?? []);
  const yAxis = axisOf(doc.vary.find((a) => a.path === params[1])?.values ?? []);
  const dots = finite.map((p) => ({
    x: xAxis.at(p.values[params[0]]),
    y: yAxis.at(p.values[params[1]]),
    fill: viridis(hi > lo ? ((p.mean as number) - lo) / (hi - lo) : 0.5),
    title: `${params[0]}=${valueText(p.values[params[0]])}, ${params[1]}=${valueText(p.values[params[1]])}: ${colour.label} ${displayNumber(p.mean as number)}`,
  }));
  const stops = [0, 0.25, 0.5, 0.75, 1];
  const texts = tickTexts(stops.map((t) => lo + t * (hi - lo)));
  const legend = stops.map((t, k) => `<rect x="${720 - 130}" y="${16 + (4 - k) * 18}" width="14" height="18" fill="${viridis(t)}"/><text x="${720 - 112}" y="${29 + (4 - k) * 18}">${texts[k]}</text>`).join('');
  return `<p class="caption">${escapeHtml(colour.label[0].toUpperCase() + colour.label.slice(1))} at each point the ${escapeHtml(doc.method)} search tried (colour).</p>\n` + dotPlot('objective-plot', dots, { label: params[0], ticks: xAxis.ticks }, { label: params[1], ticks: yAxis.ticks }, legend);
}

function objectivePlot(doc: SweepDoc): string {
  const params = doc.vary.map((a) => a.path).filter((p) => p !== WINDOW_AXIS);
  if (params.length === 1) return overOneParameter(doc, params[0]);
  if (params.length === 2) return overTwoParameters(doc, [params[0], params[1]]);
  return `<p class="note omitted">Not drawn: the objective is plotted over one or two parameters (this sweep varies ${params.length}); the table lists every trial.</p>\n`;
}

/** Values listed at most; past this, numbers read as their range (a random or TPE search's points are all distinct). */
const MAX_LISTED = 12;

function valuesText(values: readonly unknown[]): string {
  if (values.length > MAX_LISTED && values.every((v) => typeof v === 'number')) {
    const xs = values as number[];
    return `in [${displayNumber(Math.min(...xs))}, ${displayNumber(Math.max(...xs))}] (${xs.length} values)`;
  }
  return `∈ {${values.map(valueText).join(', ')}}`;
}

function checkSweep(json: unknown): SweepDoc {
  const doc = checkDoc(json) as SweepDoc;
  if (doc.kind !== 'sweep' || doc.analysis === undefined || doc.objective === undefined || !Array.isArray(doc.windows)) {
    throw new CascadeError('sweep.json: not a sweep document (no kind "sweep", objective, windows or analysis)');
  }
  return doc;
}

/** The sweep page for a sweep.json document (parsed). */
export function buildSweepReport(sweepJson: unknown): string {
  const doc = checkSweep(sweepJson);
  const c = doc.analysis.counts;
  const params = doc.vary.filter((a) => a.path !== WINDOW_AXIS);
  const meta: Array<[string, string]> = [
    ['method', escapeHtml(doc.method)],
    ['validation', escapeHtml(doc.validation)],
    ['windows', escapeHtml(doc.windows.join(', '))],
    ['objective', `${doc.objective.goal} ${escapeHtml(doc.objective.figure)}${doc.windows.length > 1 ? ' (mean over the windows of a fold)' : ''}`],
    ['constraints', doc.constraints.length > 0 ? escapeHtml(doc.constraints.map(constraintText).join(', ')) : 'none'],
    ['parameters', params.map((a) => `${escapeHtml(a.path)} ${escapeHtml(valuesText(a.values))}`).join('; ')],
    ['trials', `${c.trials}: ${c.ok} ok, ${c.invalid} invalid, ${c.error} error${c.missing > 0 ? `, ${c.missing} missing` : ''}`],
    ['search seed', escapeHtml(String(doc.seed))],
    ['sweep hash', escapeHtml(String(doc.sweepHash ?? ''))],
  ];
  const body =
    `<h1>Sweep: ${escapeHtml(doc.name)} (${c.trials} trials)</h1>\n` +
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>\n` +
    '<h2>Chosen points</h2>\n' +
    foldsTable(doc) +
    overfittingText(doc) +
    '<h2>Objective over the parameters</h2>\n' +
    objectivePlot(doc) +
    '<h2>Bad debt against amplification</h2>\n' +
    scatter(doc) +
    '<h2>Trials</h2>\n' +
    table(doc);
  return renderPage({ title: `cascade-lab sweep: ${doc.name}`, body });
}
