/**
 * The page of `cascade margin compare --out`: the rules side by side (a
 * table), each asset's history against its simulated mid under each rule,
 * and the rules' liquidation volume, bad debt and accounts liquidated as
 * they accumulate. Built from margin-compare.json alone, so `cascade report`
 * rebuilds it from the folder.
 */
import { CascadeError } from '../../core/errors.js';
import { PALETTE } from './chartSpec.js';
import { compactNumber, displayNumber, escapeHtml } from './format.js';
import { renderPage } from './pageTemplate.js';

type Series = ReadonlyArray<number | null>;

/** The part of margin-compare.json the page reads (src/report/writeMargin.ts writes it). */
export interface MarginDoc {
  readonly scenario: string;
  readonly seed: number;
  readonly synthetic: boolean;
  readonly sources: ReadonlyArray<{ readonly name: string; readonly file: string }>;
  readonly firstBar: string;
  readonly lastBar: string;
  readonly bars: number;
  readonly gridPoints: number;
  /** Absent in folders written before it was recorded. */
  readonly accounts?: { readonly generated: number; readonly hand: number; readonly largestLegNotionalQuote: number };
  readonly assets: readonly string[];
  readonly depth1PctQuote: Readonly<Record<string, number>>;
  readonly rules: ReadonlyArray<{
    readonly rule: string;
    readonly marginCalls: number;
    readonly accountsLiquidated: number;
    readonly accountsLiquidatedByKind: Readonly<Record<string, number>>;
    readonly liquidatedQuote: number;
    readonly badDebtQuote: number;
    readonly penaltyQuote: number;
    readonly optionsClosedQuote: number;
    readonly cappedBars: number;
    readonly liquidatedQuoteByAsset: Readonly<Record<string, number>>;
    readonly endogenousMovePct: Readonly<Record<string, number>>;
    readonly endogenousRisePct: Readonly<Record<string, number>>;
    readonly lowVsHistoryPct: Readonly<Record<string, number>>;
  }>;
  readonly paths: {
    readonly firstBarSeconds: number;
    readonly secondsAfterFirstBar: readonly number[];
    readonly history: readonly Series[];
    readonly rules: ReadonlyArray<{
      readonly rule: string;
      readonly mid: readonly Series[];
      readonly liquidatedQuoteCumulative: Series;
      readonly badDebtQuote: Series;
      readonly accountsLiquidated: Series;
    }>;
  };
}

/** The margin-compare.json a folder holds, checked for what the page reads (a hand-edited or foreign file is named, not a crash). */
export function checkMarginDoc(doc: unknown): MarginDoc {
  const fail = (why: string): never => {
    throw new CascadeError(`margin-compare.json: ${why}`);
  };
  if (doc === null || typeof doc !== 'object') fail('not an object');
  const d = doc as Partial<MarginDoc>;
  if (!Array.isArray(d.assets)) fail("no 'assets' list (a file written before margin compare kept its paths: run it again with --out)");
  if (!Array.isArray(d.rules)) fail("no 'rules' list");
  const p = d.paths;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.secondsAfterFirstBar) || !Array.isArray(p.history) || !Array.isArray(p.rules)) {
    fail("no 'paths' (secondsAfterFirstBar, history, rules)");
  }
  const assets = d.assets as string[];
  if (p!.history.length !== assets.length) fail(`'paths.history' has ${p!.history.length} series for ${assets.length} assets`);
  for (const r of p!.rules) {
    if (!Array.isArray(r.mid) || r.mid.length !== assets.length) fail(`'paths.rules' entry '${String(r.rule)}' has no mid per asset`);
  }
  return d as MarginDoc;
}

function cell(v: number | undefined): string {
  return typeof v === 'number' ? `<td class="num" data-value="${String(v)}">${displayNumber(v)}</td>` : '<td class="num">–</td>';
}

const money = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : String(v));

/** A row per figure and a column per rule: two rules and a dozen figures read down, not across. */
function rulesTable(doc: MarginDoc): string {
  type Rule = MarginDoc['rules'][number];
  const rows: Array<[string, (r: Rule) => string]> = [
    ['margin calls', (r) => cell(r.marginCalls)],
    ['accounts liquidated', (r) => cell(r.accountsLiquidated)],
    [
      'of them, by kind',
      (r) =>
        `<td class="num">${
          Object.entries(r.accountsLiquidatedByKind ?? {})
            .filter(([, v]) => v > 0)
            .map(([k, v]) => `${escapeHtml(k)} ${v}`)
            .join(', ') || '–'
        }</td>`,
    ],
    ['liquidated (quote)', (r) => cell(r.liquidatedQuote)],
    ['bad debt (quote)', (r) => cell(r.badDebtQuote)],
    ['penalty (quote)', (r) => cell(r.penaltyQuote)],
    ['options closed off-book (quote)', (r) => cell(r.optionsClosedQuote)],
    ['bars at the round cap', (r) => cell(r.cappedBars)],
  ];
  const perAsset: Array<[keyof Rule, string]> = [
    ['liquidatedQuoteByAsset', 'liquidated (quote)'],
    ['endogenousMovePct', 'endogenous low %'],
    ['endogenousRisePct', 'endogenous high %'],
    ['lowVsHistoryPct', 'low vs history %'],
  ];
  for (const a of doc.assets) {
    for (const [key, label] of perAsset) rows.push([`${escapeHtml(a)}: ${label}`, (r) => cell((r[key] as Readonly<Record<string, number>>)[a])]);
  }
  const head = `<th>figure</th>${doc.rules.map((r) => `<th data-rule="${escapeHtml(r.rule)}">${escapeHtml(r.rule)}</th>`).join('')}`;
  const body = rows.map(([label, f]) => `<tr><td>${label}</td>${doc.rules.map(f).join('')}</tr>`);
  return `<table id="margin-table"><thead><tr>${head}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>\n`;
}

/** One sentence per pair of rules: which liquidated more, left more bad debt, and moved each asset further. */
function reading(doc: MarginDoc): string {
  const iso = doc.rules.find((r) => r.rule === 'isolated');
  const pf = doc.rules.find((r) => r.rule === 'portfolio');
  if (iso === undefined || pf === undefined) return '';
  const moves = doc.assets.map((a) => `${escapeHtml(a)} ${iso.endogenousMovePct[a].toFixed(2)}% isolated against ${pf.endogenousMovePct[a].toFixed(2)}% portfolio`).join('; ');
  return (
    `<p>Isolated margin liquidated ${iso.accountsLiquidated} accounts for $${money(iso.liquidatedQuote)} and left $${money(iso.badDebtQuote)} of bad debt; ` +
    `portfolio margin liquidated ${pf.accountsLiquidated} for $${money(pf.liquidatedQuote)} and left $${money(pf.badDebtQuote)}. ` +
    `The forced flow's deepest push below history: ${moves}.</p>\n`
  );
}

export function buildMarginReport(doc: MarginDoc): string {
  const p = doc.paths;
  const sources = doc.synthetic
    ? '<strong>SYNTHETIC joint path</strong> (generated by cascade-lab, not historical data)'
    : doc.sources.map((s) => `${escapeHtml(s.name)}: ${escapeHtml(s.file)}`).join('<br>');
  const meta: Array<[string, string]> = [
    ['scenario', escapeHtml(doc.scenario)],
    ['data', sources],
    ['window', `${escapeHtml(doc.firstBar)} .. ${escapeHtml(doc.lastBar)} (${doc.bars} bars)`],
    ['seed', escapeHtml(String(doc.seed))],
    ['1% depth at start', doc.assets.map((a) => `${escapeHtml(a)} $${money(doc.depth1PctQuote[a])}`).join(', ')],
    ['portfolio scan', `${doc.gridPoints} joint price points`],
  ];
  const a = doc.accounts;
  if (a !== undefined) meta.splice(4, 0, ['accounts', `${a.generated.toLocaleString('en-US')} generated + ${a.hand.toLocaleString('en-US')} hand; largest legs $${money(a.largestLegNotionalQuote)} at the start`]);
  const ruleColor = (k: number): string => PALETTE[k % PALETTE.length];
  const y = (s: Series): Array<number | null> => s.map((v) => (v === null ? null : compactNumber(v)));
  const byRule = (id: string, title: string, unit: string, pick: (r: MarginDoc['paths']['rules'][number]) => Series) => ({
    id,
    title,
    unit,
    series: p.rules.map((r, k) => ({ label: r.rule, color: ruleColor(k) })),
    x: p.secondsAfterFirstBar,
    y: p.rules.map((r) => y(pick(r))),
  });
  const charts = [
    ...doc.assets.map((a, i) => ({
      id: `price-${i}`,
      title: `${a} price`,
      unit: 'quote',
      series: [{ label: 'history', color: '#555555' }, ...p.rules.map((r, k) => ({ label: `${r.rule} mid`, color: ruleColor(k) }))],
      x: p.secondsAfterFirstBar,
      y: [y(p.history[i]), ...p.rules.map((r) => y(r.mid[i]))],
    })),
    byRule('liquidated', 'Liquidation volume, cumulative (all assets)', 'quote', (r) => r.liquidatedQuoteCumulative),
    byRule('bad-debt', 'Bad debt, cumulative', 'quote', (r) => r.badDebtQuote),
    byRule('accounts', 'Accounts liquidated, cumulative', 'accounts', (r) => r.accountsLiquidated),
  ];
  const chartDivs = charts.map((c) => `<h3>${escapeHtml(c.title)}</h3>\n<div class="chart" id="chart-${c.id}"></div>`).join('\n');
  const body =
    `<h1>Margin rules compared: ${escapeHtml(doc.scenario)} (${doc.assets.map(escapeHtml).join(' + ')})</h1>\n` +
    (doc.synthetic ? '<div class="synthetic">SYNTHETIC joint path: generated by cascade-lab, not historical data.</div>\n' : '') +
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>\n` +
    '<h2>The rules side by side</h2>\n' +
    '<p class="caption">The same path and the same accounts under each rule. Endogenous low and high: exp of the lowest and highest log-price the forced flow added to history at a bar end, −1. Low vs history: the lowest simulated mid against the lowest historical close. Liquidation volume counts the book sales and buys; option legs closed off-book are under "options closed".</p>\n' +
    rulesTable(doc) +
    reading(doc) +
    '<h2>Over the run</h2>\n' +
    '<p class="caption">Each asset\'s history and its simulated mid at each bar end under each rule, then what each rule liquidated and lost as it accumulated (drag to zoom, hover for values; each bucket\'s lowest and highest bar kept). Bar by bar in margin-timeseries.csv.</p>\n' +
    chartDivs;
  return renderPage({ title: `cascade-lab margin compare: ${doc.scenario}`, body, data: { t0: p.firstBarSeconds, charts } });
}
