/**
 * The price a strategy's option order fills at (docs/strategies.md#option-fill-models).
 * Every model starts from the surface price: Black-Scholes (src/pricing) at
 * the vol the surface gives for the option's strike and forward, the same
 * price the dealer marks its own book at (src/dealer/valuation.ts). The
 * models differ in what the strategy pays on top, per unit of the
 * underlying:
 *
 * - `mid`: nothing.
 * - `spread`: a half-spread quoted in vol points, as options market makers
 *   quote bid and ask vols, turned into price by the option's vega:
 *     h = max(vega · min(h_σ · max(1, volRatio)^e · (1 + s · drawdown), h_max), f · S)
 *   where volRatio is realised over calm vol and drawdown the fraction below
 *   the running peak (both public stress signals known at the bar start).
 *   Market makers widen when vol and stress rise, the same withdrawal that
 *   thins the spot book (market/depthWithdrawal.ts), up to h_max (on short
 *   bars the vol ratio of a crash reaches 10-20, which uncapped would quote
 *   spreads of tens of vol points); the floor f · S stands for the price
 *   tick, so an option with no vega is not free.
 * - `impact`: the counterparty hedges the order's delta Δ·q at once in the
 *   spot book. With linear impact at depth D (base units per unit of
 *   log-price) a hedge of |Δ q| units moves ln S by |Δ q|/D and fills on
 *   average half that far from the mid, so it costs S·(Δ q)²/(2D); passed on
 *   per unit of the order, h = max(k · S · Δ² · |q| / (2D), f · S). The
 *   hedge is priced, not executed: the strategy's own spot orders are what
 *   move the simulated mid.
 *
 * Buys fill at theo + h, sells at max(theo − h, 0): no one pays to hand over
 * an option.
 */
import { MS_PER_YEAR } from '../../core/time.js';
import type { OptionFillConfig } from '../../config/strategyOptionsSchema.js';
import { bsEval, OUT_DELTA, OUT_GAMMA, OUT_PRICE, OUT_SIZE, OUT_THETA, OUT_VEGA } from '../../pricing/kernel.js';
import type { VolSurface } from '../../sim/volSurface.js';

/** What a quote reads of the market: the public state at the time of the order. */
export interface OptionMarket {
  /** Live mid, quote per base. */
  spot: number;
  /** Epoch ms of the order (the bar start: options are priced on the bar clock). */
  nowMs: number;
  /** Continuously compounded rate and dividend/carry, per year. */
  rate: number;
  dividend: number;
  surface: VolSurface;
  /** The year a time to expiry is counted in, ms (the dealer's tenorDayCount). */
  yearMs: number;
  /** Realised over calm vol, dimensionless (1 = calm). */
  volRatio: number;
  /** Fraction below the running peak, [0, 1). */
  drawdown: number;
  /** Spot depth, base units per unit of log-price (MarketView.depthPerLogPrice). */
  depthPerLogPrice: number;
}

export function makeOptionMarket(surface: VolSurface): OptionMarket {
  return { spot: 0, nowMs: 0, rate: 0, dividend: 0, surface, yearMs: MS_PER_YEAR, volRatio: 1, drawdown: 0, depthPerLogPrice: Infinity };
}

/** One quote, per unit of the underlying unless stated; caller-owned and reused. */
export interface OptionQuote {
  /** Time to expiry, years, and the surface vol used. */
  years: number;
  vol: number;
  /** Surface (mid) price, quote. */
  theo: number;
  delta: number;
  gamma: number;
  /** Per unit of vol, quote. */
  vega: number;
  /** Per year, quote. */
  theta: number;
  /** What the order pays over (buy) or under (sell) theo, quote, ≥ 0. */
  halfSpread: number;
  /** Fill price, quote, ≥ 0. */
  price: number;
  /** (price − theo) · qty for the whole order, quote, ≥ 0. */
  cost: number;
}

export function makeOptionQuote(): OptionQuote {
  return { years: 0, vol: 0, theo: 0, delta: 0, gamma: 0, vega: 0, theta: 0, halfSpread: 0, price: 0, cost: 0 };
}

/** The `spread` model's half-spread in units of vol at this vol ratio and drawdown. */
export function spreadHalfVol(cfg: Extract<OptionFillConfig, { kind: 'spread' }>, volRatio: number, drawdown: number): number {
  const volTerm = volRatio > 1 ? Math.pow(volRatio, cfg.volElasticity) : 1;
  return Math.min(cfg.halfSpreadVol * volTerm * (1 + cfg.drawdownSlope * Math.max(0, drawdown)), Math.max(cfg.maxHalfSpreadVol, cfg.halfSpreadVol));
}

const out8 = new Float64Array(OUT_SIZE);

/**
 * Prices an order of `qty` units (+ buy, − sell) of the option (kind +1 call,
 * −1 put; strike quote per base; expiry epoch ms) into `out` (returned). An
 * option at or past expiry is quoted at its intrinsic value.
 */
export function quoteOption(
  kind: number,
  strike: number,
  expiryMs: number,
  qty: number,
  m: OptionMarket,
  cfg: OptionFillConfig,
  out: OptionQuote,
): OptionQuote {
  if (kind !== 1 && kind !== -1) throw new RangeError(`option kind must be +1 (call) or -1 (put), got ${kind}`);
  if (!(strike > 0) || !Number.isFinite(strike)) throw new RangeError(`strike must be positive and finite, got ${strike}`);
  if (!Number.isFinite(qty)) throw new RangeError(`option quantity must be finite, got ${qty}`);
  const S = m.spot;
  if (!(S > 0) || !Number.isFinite(S)) throw new RangeError(`spot must be positive and finite, got ${S}`);
  const T = (expiryMs - m.nowMs) / m.yearMs;
  const vol = T > 0 ? m.surface.impliedVol(strike, S * Math.exp((m.rate - m.dividend) * T), T) : 0;
  bsEval(kind, S, strike, T, vol, m.rate, m.dividend, out8);
  out.years = T;
  out.vol = vol;
  out.theo = out8[OUT_PRICE];
  out.delta = out8[OUT_DELTA];
  out.gamma = out8[OUT_GAMMA];
  out.vega = out8[OUT_VEGA];
  out.theta = out8[OUT_THETA];
  let h = 0;
  if (cfg.kind === 'spread') {
    h = Math.max(out.vega * spreadHalfVol(cfg, m.volRatio, m.drawdown), cfg.minHalfSpreadFracSpot * S);
  } else if (cfg.kind === 'impact') {
    const D = m.depthPerLogPrice;
    const impact = D > 0 && Number.isFinite(D) ? (cfg.multiplier * S * out.delta * out.delta * Math.abs(qty)) / (2 * D) : 0;
    h = Math.max(impact, cfg.minHalfSpreadFracSpot * S);
  }
  out.halfSpread = h;
  out.price = qty > 0 ? out.theo + h : qty < 0 ? Math.max(out.theo - h, 0) : out.theo;
  out.cost = (out.price - out.theo) * qty;
  return out;
}
