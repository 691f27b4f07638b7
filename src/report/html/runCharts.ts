/**
 * The run report's charts, read by column name from the run folder. A chart
 * whose columns the run did not record (no dealer, no protocol, no
 * strategy) or recorded as all empty is replaced by a one-line note; it is
 * never drawn empty.
 */
import { TRADE_CAUSES } from '../../sim/tradeLog.js';
import { CAUSE_COLORS, PALETTE, type ChartOrNote, type ChartSpec, type SeriesSpec } from './chartSpec.js';
import type { RunFolder } from './readRunFolder.js';
import { notionalByCause } from './tradeTables.js';

type Cols = RunFolder['series']['numeric'];

function hasData(v: Float64Array | undefined): v is Float64Array {
  if (v === undefined) return false;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) return true;
  return false;
}

/** Running sum with NaN counted as 0 (per-bar P&L parts into cumulative P&L). */
export function cumulative(v: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) s += v[i];
    out[i] = s;
  }
  return out;
}

/** Drawdown from the running peak, as a fraction (0 at a new high). */
export function drawdownOf(v: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  let peak = Number.NaN;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x)) {
      out[i] = Number.NaN;
      continue;
    }
    if (Number.isNaN(peak) || x > peak) peak = x;
    out[i] = peak > 0 ? 1 - x / peak : Number.NaN;
  }
  return out;
}

/** Sum of two columns bar by bar (NaN when either is undefined). */
export function summedBranching(cols: Cols): Float64Array | undefined {
  const a = cols.get('liquidation_branching_ratio');
  const b = cols.get('gamma_branching_ratio');
  if (!hasData(a) && !hasData(b)) return undefined;
  const n = (a ?? b)!.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (a ? a[i] : 0) + (b ? b[i] : 0);
  return out;
}

/** The first bar where the summed branching ratio reaches 1, or -1. */
export function criticalBar(cols: Cols): number {
  const s = summedBranching(cols);
  if (s === undefined) return -1;
  for (let i = 0; i < s.length; i++) if (s[i] >= 1) return i;
  return -1;
}

function series(cols: Cols, name: string, label: string, color: string, right = false): SeriesSpec | undefined {
  const v = cols.get(name);
  return hasData(v) ? { label, color, values: v, ...(right ? { right } : {}) } : undefined;
}

function present(list: ReadonlyArray<SeriesSpec | undefined>): SeriesSpec[] {
  return list.filter((s): s is SeriesSpec => s !== undefined);
}

function orNote(title: string, spec: Omit<ChartSpec, 'title'> | undefined, reason: string): ChartOrNote {
  return spec !== undefined && spec.series.length > 0 ? { chart: { title, ...spec } } : { omitted: { title, reason } };
}

export function runCharts(run: RunFolder): ChartOrNote[] {
  const cols = run.series.numeric;
  const bars = run.series.rows;
  const out: ChartOrNote[] = [];

  const price = present([series(cols, 'historical_close', 'historical', '#555555'), series(cols, 'simulated_close', 'simulated', PALETTE[1])]);
  out.push(
    orNote(
      'Price: historical and simulated',
      price.length === 2 ? { id: 'price', unit: 'quote', series: price, fillBetween: true, caption: 'Shaded: the endogenous part, the gap the forced trades opened between the history and the simulated price (orange: simulated below the history; green: above).' } : undefined,
      'the run recorded no historical and simulated close',
    ),
  );

  const byCause = notionalByCause(run.trades, bars);
  const causeSeries = TRADE_CAUSES.filter((c) => byCause.has(c)).map((c) => ({ label: c, color: CAUSE_COLORS[c] ?? PALETTE[8], values: byCause.get(c)! }));
  out.push(
    orNote(
      'Fills per bar by cause',
      { id: 'fills', unit: 'quote notional per bar', series: causeSeries, stacked: true, caption: 'Quote notional (size × price) of the fills in each bar, stacked by what forced them.' },
      'no fills in this run',
    ),
  );

  const liq = cols.get('liquidations');
  const later = cols.get('liquidations_later_rounds');
  if (hasData(liq) && hasData(later)) {
    const first = new Float64Array(bars);
    for (let i = 0; i < bars; i++) first[i] = liq[i] - later[i];
    out.push({
      chart: {
        id: 'liquidations',
        title: 'Liquidations per bar: first round and later rounds',
        unit: 'count',
        stacked: true,
        series: [
          { label: 'first round', color: PALETTE[4], values: first },
          { label: 'later rounds (cascade)', color: PALETTE[1], values: later },
        ],
        caption: 'First round: accounts the exogenous move put under water; later rounds: accounts the liquidations themselves pushed under.',
      },
    });
  } else out.push({ omitted: { title: 'Liquidations by round', reason: 'no protocol in this scenario' } });

  // Only when the run has them: a run without prints or a perp venue keeps its report unchanged.
  const printed = present([
    series(cols, 'liquidation_volume_quote', 'simulated', PALETTE[1]),
    series(cols, 'printed_liq_long_quote', 'printed: longs liquidated', '#555555'),
    series(cols, 'printed_liq_short_quote', 'printed: shorts liquidated', PALETTE[0]),
  ]);
  if (hasData(cols.get('printed_liq_count'))) {
    out.push({
      chart: {
        id: 'liquidation-prints',
        title: 'Liquidation volume per bar: simulated and the exchange\'s prints',
        unit: 'quote per bar',
        series: printed,
        caption: 'Simulated: collateral seized × oracle. Printed: the venue\'s published forced orders (price × filled size) in the same bar, for the real market as a whole, which the simulated population only samples.',
      },
    });
  }
  const perp = present([
    series(cols, 'adl_volume_quote', 'auto-deleveraged (at bankruptcy price)', PALETTE[3]),
    series(cols, 'funding_paid_by_longs_quote', 'funding paid by longs', PALETTE[2]),
  ]);
  if (hasData(cols.get('adl_volume_quote'))) {
    out.push({
      chart: {
        id: 'perp',
        title: 'Perp venue: auto-deleveraging and funding per bar',
        unit: 'quote per bar',
        series: perp,
        caption: 'Auto-deleveraging closes bankrupt longs against the most profitable, most levered shorts once the insurance fund cannot take them; funding is positive when longs pay shorts.',
      },
    });
  }

  const sum = summedBranching(cols);
  const crit = present([
    series(cols, 'mlr', 'MLR', PALETTE[2]),
    series(cols, 'liquidation_branching_ratio', 'liquidation branching', PALETTE[1]),
    series(cols, 'gamma_branching_ratio', 'gamma branching', PALETTE[0]),
    sum !== undefined ? { label: 'summed branching', color: '#000000', values: sum } : undefined,
  ]);
  out.push(
    orNote(
      'MLR and branching ratios',
      { id: 'criticality', unit: 'ratio', series: crit, refLine: 1, caption: 'Above the dashed line at 1 the summed branching ratio is critical: each unit of forced selling triggers more than one more.' },
      'the run recorded neither MLR nor a branching ratio',
    ),
  );

  const depthCol = cols.get('depth_per_log_price');
  const close = cols.get('simulated_close');
  const scale = cols.get('depth_scale');
  const depthSeries: SeriesSpec[] = [];
  if (hasData(depthCol) && close) {
    const q = new Float64Array(bars);
    for (let i = 0; i < bars; i++) q[i] = depthCol[i] * 0.01 * close[i];
    depthSeries.push({ label: 'depth to move 1%', color: PALETTE[0], values: q });
  }
  if (hasData(scale)) {
    const w = new Float64Array(bars);
    for (let i = 0; i < bars; i++) w[i] = 1 - scale[i];
    depthSeries.push({ label: 'share withdrawn', color: PALETTE[1], values: w, right: true });
  }
  out.push(
    orNote(
      'Book depth and depth withdrawn',
      { id: 'depth', unit: 'quote', rightUnit: 'fraction', series: depthSeries, caption: 'Quote that moves the mid 1% (depth per log price × 1% × price), and the share of base depth withdrawn under stress (right axis).' },
      'the run recorded no book depth',
    ),
  );

  out.push(
    orNote(
      'ATM vol and 25Δ risk reversal',
      { id: 'vol', unit: 'vol (1 = 100%)', series: present([series(cols, 'atm_vol', 'ATM vol', PALETTE[0]), series(cols, 'rr25', '25Δ risk reversal', PALETTE[1])]), caption: 'Risk reversal: 25Δ call vol minus 25Δ put vol; more negative, more demand for crash puts.' },
      'the run recorded no vol surface',
    ),
  );

  out.push(...profileCharts(run));

  out.push(
    orNote(
      "Dealer's delta, gamma and hedge flow",
      {
        id: 'dealer',
        unit: 'base',
        rightUnit: 'gamma (base per quote)',
        series: present([
          series(cols, 'dealer_delta', 'book delta', PALETTE[0]),
          series(cols, 'hedge_flow', 'hedge flow', PALETTE[1]),
          series(cols, 'dealer_gamma', 'book gamma', PALETTE[2], true),
        ]),
        caption: 'Delta and hedge flow in base units (left); gamma on the right axis. A short-gamma dealer sells into a fall.',
      },
      'no dealer in this scenario',
    ),
  );

  out.push(hedgeFlowSplit(cols, bars));

  out.push(
    orNote(
      'Insurance fund, bad debt and backstop capital',
      {
        id: 'insurance',
        unit: 'quote',
        series: present([
          series(cols, 'insurance_fund_quote', 'insurance fund', PALETTE[2]),
          series(cols, 'bad_debt_cum_quote', 'bad debt (cumulative)', PALETTE[1]),
          series(cols, 'backstop_committed_quote', 'backstop committed', PALETTE[0]),
          series(cols, 'backstop_flight_withdrawn_total_quote', 'backstop withdrawn', PALETTE[3]),
          series(cols, 'bond_payout_quote', 'contagion bond payout', PALETTE[4]),
        ]),
        caption: 'Backstop lines appear when the scenario has a backstop pool or backstop capital flight.',
      },
      'no protocol in this scenario',
    ),
  );

  const eq = cols.get('strategy_equity');
  const naive = cols.get('strategy_naive_equity');
  if (hasData(eq)) {
    const s: SeriesSpec[] = [{ label: 'strategy equity', color: PALETTE[0], values: eq }];
    if (hasData(naive)) s.push({ label: 'naive twin equity', color: '#555555', values: naive });
    s.push({ label: 'strategy drawdown', color: PALETTE[1], values: drawdownOf(eq), right: true });
    if (hasData(naive)) s.push({ label: 'naive twin drawdown', color: PALETTE[4], values: drawdownOf(naive), right: true });
    out.push({ chart: { id: 'strategy', title: 'Strategy equity and drawdown beside its naive twin', unit: 'quote', rightUnit: 'drawdown (fraction)', series: s, caption: 'The naive twin trades the same rules on the historical price, blind to the impact it would have had.' } });
  } else out.push({ omitted: { title: 'Strategy equity and drawdown', reason: 'no strategy ran' } });

  out.push(orNote("Dealer's P&L attribution by greek (cumulative)", pnlAttributionChart(cols), 'no dealer in this scenario'));
  return out;
}

const PNL_PARTS = ['delta', 'gamma', 'vega', 'vanna', 'volga', 'theta', 'execution', 'new_positions', 'residual'] as const;
/** The total's colour, black, kept for it alone: the parts take the palette's other colours and a wine red for the ninth. */
const PNL_TOTAL_COLOUR = '#000000';
const PNL_PART_COLOURS = [...PALETTE.filter((c) => c !== PNL_TOTAL_COLOUR && c !== '#999999'), '#882255', '#999999'];

/**
 * The dealer's cumulative P&L by part, each its own line from zero, and
 * their sum (the total, as the residual closes it) in black. Not stacked:
 * the parts carry both signs (a short-gamma book's delta gains while its
 * gamma loses), and a stack of bands of mixed sign draws a negative part
 * over the positive one before it, hiding it.
 */
export function pnlAttributionChart(cols: ReadonlyMap<string, Float64Array>): Omit<ChartSpec, 'title'> {
  const parts = PNL_PARTS.map((g, k) => {
    const v = cols.get(`pnl_${g}`);
    return hasData(v) ? { label: g.replace('_', ' '), color: PNL_PART_COLOURS[k % PNL_PART_COLOURS.length], values: cumulative(v) } : undefined;
  }).filter((x): x is SeriesSpec => x !== undefined);
  if (parts.length === 0) return { id: 'pnl', unit: 'quote', series: [], caption: '' };
  const total = new Float64Array(parts[0].values.length);
  for (const part of parts) for (let i = 0; i < total.length; i++) total[i] += part.values[i];
  return {
    id: 'pnl',
    unit: 'quote',
    series: [{ label: 'total', color: PNL_TOTAL_COLOUR, values: total }, ...parts],
    caption: 'Cumulative P&L of each part from zero, and their sum, the total (black): the residual is what the greeks do not explain.',
  };
}

const CALM = '#0072B2';
const STRESSED = '#D55E00';

function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** The smile and the dealer's gamma profile at the calmest and most stressed bar (profiles.json). */
export function profileCharts(run: RunFolder): ChartOrNote[] {
  const p = run.profiles;
  const missing = 'this folder has no profiles.json (written by runs since the HTML report; rerun to get it)';
  if (p === undefined || p.bars.length === 0) {
    return [
      { omitted: { title: 'Vol smile at the calmest and most stressed bar', reason: missing } },
      { omitted: { title: "Dealer's gamma profile over spot", reason: missing } },
    ];
  }
  const name = (b: (typeof p.bars)[number]): string => `${b.label} (bar ${b.bar}, ${utcMinute(b.timeMs)})`;
  const colour = (b: (typeof p.bars)[number]): string => (b.label === 'calmest' ? CALM : STRESSED);
  const out: ChartOrNote[] = [];
  const smiles = p.bars.filter((b) => b.smile !== null);
  if (smiles.length > 0) {
    out.push({
      chart: {
        id: 'smile',
        title: `Vol smile (${p.smileTenorDays}-day) at the calmest and most stressed bar`,
        unit: 'implied vol (1 = 100%)',
        x: { values: Float64Array.from(smiles[0].smile!.moneyness), label: 'strike / forward' },
        series: smiles.map((b) => ({ label: name(b), color: colour(b), values: Float64Array.from(b.smile!.vol) })),
        caption: `Calmest and most stressed: the bars of lowest and highest realised vol (${p.stressMeasure}).`,
      },
    });
  } else out.push({ omitted: { title: 'Vol smile at the calmest and most stressed bar', reason: 'the run has no vol surface' } });
  const gam = p.bars.filter((b) => b.gamma !== null);
  if (gam.length === 0) {
    out.push({ omitted: { title: "Dealer's gamma profile over spot", reason: 'no dealer in this scenario' } });
    return out;
  }
  const rel = Float64Array.from(gam[0].gamma!.spotGrid, (x) => x / gam[0].spot);
  const flips = gam.flatMap((b) => (b.gamma!.flipSpot !== null ? [{ x: b.gamma!.flipSpot / b.spot, label: `flip ${b.label}`, color: colour(b) }] : []));
  const flipText = gam.map((b) => `${b.label}: ${b.gamma!.flipSpot === null ? 'none on the grid (one sign throughout)' : `${Number(b.gamma!.flipSpot.toPrecision(6))} quote (spot ${Number(b.spot.toPrecision(6))})`}`).join('; ');
  out.push({
    chart: {
      id: 'gammaprofile',
      title: "Dealer's gamma profile over spot, re-priced at the calmest and most stressed bar",
      unit: 'quote per 1% move',
      x: { values: rel, label: 'spot / spot at the bar' },
      refLine: 0,
      vLines: [{ x: 1, label: 'spot', color: '#555555' }, ...flips],
      series: gam.map((b) => ({ label: name(b), color: colour(b), values: Float64Array.from(b.gamma!.gammaQuotePer1Pct) })),
      caption: `The book of that bar re-priced over spots from 0.5× to 1.5×, each option at its own implied vol (sticky strike): dollar gamma Γ·S²/100. Zero-gamma (flip) level: ${flipText}.`,
    },
  });
  const strikes = [...new Set(gam.flatMap((b) => b.gamma!.strikes))].sort((a, c) => a - c);
  out.push({
    chart: {
      id: 'gammastrike',
      title: "Dealer's gamma by strike at the calmest and most stressed bar",
      unit: 'quote per 1% move',
      x: { values: Float64Array.from(strikes), label: 'strike (quote)' },
      bars: true,
      vLines: gam.map((b) => ({ x: b.spot, label: `spot ${b.label}`, color: colour(b) })),
      series: gam.map((b) => {
        const at = new Map(b.gamma!.strikes.map((k, n) => [k, b.gamma!.gammaByStrikeQuotePer1Pct[n]]));
        return { label: name(b), color: colour(b), values: Float64Array.from(strikes, (k) => at.get(k) ?? Number.NaN) };
      }),
      caption: 'Dollar gamma of the options at each strike (all expiries), at the spot of that bar.',
    },
  });
  return out;
}

/**
 * The hedge flow split by what moved the book's delta, to first order with
 * the previous bar's greeks: the gamma part −Γ·ΔS (the spot moved), the
 * vanna part −vanna·Δσ (the ATM vol moved; the book's own strikes move with
 * the surface, so this is the ATM approximation), and the rest, which is
 * charm (time decay of delta) plus rolls, smile reshaping and higher-order
 * terms. The parts sum to the recorded hedge flow bar by bar.
 */
export function hedgeFlowSplit(cols: Cols, bars: number): ChartOrNote {
  const title = 'Hedge flow split: delta (spot) part, vanna part, charm and the rest';
  const flow = cols.get('hedge_flow');
  const gamma = cols.get('dealer_gamma');
  const vanna = cols.get('dealer_vanna');
  const spot = cols.get('simulated_close');
  const atm = cols.get('atm_vol');
  if (!hasData(flow) || !gamma || !vanna || !spot || !atm) return { omitted: { title, reason: 'no dealer in this scenario' } };
  const g = new Float64Array(bars).fill(Number.NaN);
  const v = new Float64Array(bars).fill(Number.NaN);
  const rest = new Float64Array(bars).fill(Number.NaN);
  for (let i = 1; i < bars; i++) {
    g[i] = -gamma[i - 1] * (spot[i] - spot[i - 1]);
    v[i] = -vanna[i - 1] * (atm[i] - atm[i - 1]);
    rest[i] = flow[i] - g[i] - v[i];
  }
  return {
    chart: {
      id: 'hedgesplit',
      title,
      unit: 'base per bar',
      series: [
        { label: 'delta part (−Γ·ΔS)', color: PALETTE[0], values: g },
        { label: 'vanna part (−vanna·Δσ_ATM)', color: PALETTE[3], values: v },
        { label: 'charm and the rest', color: PALETTE[4], values: rest },
      ],
      caption: 'First order with the previous bar\'s greeks; the three parts sum to the hedge flow of each bar. Positive: the dealer buys.',
    },
  };
}
