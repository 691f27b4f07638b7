/**
 * When and how much the dealer trades the underlying toward delta neutral
 * (docs/model.md#hedging-policies). A policy is a pure function of the
 * round's state: it holds no memory, so a bar can be re-run or rolled back
 * without saving anything here. The engine sends the returned trade as a
 * market order into the liquidity model.
 *
 * Sign convention: netDelta = book delta + hedge position (base units); a
 * trade of q base units (q > 0 buys) changes netDelta by q. "Trade to zero"
 * is q = −netDelta; "trade to the band edge" is the smallest trade that
 * brings |netDelta| back to the half-width H: q = −(netDelta − sign·H).
 */
import type { HedgeSchemaConfig } from '../config/dealerSchema.js';
import { ConfigError } from '../core/errors.js';

/** What a policy sees each cascade round. */
export interface HedgeInput {
  /** Book delta plus the hedge position, base units. */
  readonly netDelta: number;
  /** Book gamma, base units of delta per quote unit of spot (see BookGreeks.gamma). */
  readonly bookGamma: number;
  /** Mid price, quote per base. */
  readonly spot: number;
  /** Bar index from the run start (0-based). */
  readonly bar: number;
  /** Cascade round within the bar (0-based). */
  readonly round: number;
  /** Proportional cost of trading, fraction of notional (0.001 = 10 bps): half-spread plus expected impact. */
  readonly costRate: number;
  /** Current volatility estimate, annualised decimal. */
  readonly volPerYear: number;
}

export interface HedgePolicy {
  readonly kind: HedgeConfig['kind'];
  /**
   * True when every trade it makes is to net delta 0 with no threshold
   * ('every-bar' with minTradeBase 0, 'time-interval'): its rounds within a
   * bar then converge to the root of hedgeFixedPoint, which can be sent as
   * one order.
   */
  readonly toZero: boolean;
  /** Signed trade in base units (> 0 buy, < 0 sell, 0 no trade). */
  trade(input: HedgeInput): number;
}

/**
 * The schema's `dealer.hedge` (config/dealerSchema.ts, where the defaults
 * live):
 * - 'none' never hedges (the unhedged book: a baseline, and the Frey–Stremme
 *   "no feedback" case);
 * - 'every-bar' trades to net delta 0 in every round of every bar, skipping
 *   trades smaller than `minTradeBase` (the engine's round cap ends the bar);
 * - 'delta-band' trades only when |netDelta| exceeds `halfWidthBase` (0 means
 *   every-bar), back to the band's edge (the minimal trade) or to zero;
 * - 'time-interval' trades to 0 in every round of bars where
 *   (bar − offsetBars) % everyBars == 0, never otherwise;
 * - 'whalley-wilmott', the Whalley & Wilmott (1997) asymptotic band
 *   H = (3 λ S Γ² / (2γ))^{1/3} base units, traded to the edge, floored at
 *   `minHalfWidthBase` (with Γ = 0 and no floor the band closes and the
 *   policy trades to 0); γ = `riskAversionPerQuote`, the absolute risk
 *   aversion of an exponential utility per quote unit; λ = `costRate`, or the
 *   round's cost rate when absent (the runner sets it from dealer.hedgeCostBps).
 */
export type HedgeConfig = HedgeSchemaConfig;

/** Trade that brings netDelta back inside [−h, h]: to the nearer edge, or to 0 when `toZero`. */
export function tradeToBand(netDelta: number, halfWidth: number, toZero: boolean): number {
  if (netDelta > halfWidth) return toZero ? -netDelta : halfWidth - netDelta;
  if (netDelta < -halfWidth) return toZero ? -netDelta : -halfWidth - netDelta;
  return 0;
}

/**
 * Whalley–Wilmott half-width in base units. Derivation of the leading order
 * (Whalley & Wilmott 1997, "An asymptotic analysis of an optimal hedging
 * model for option pricing with transaction costs", Math. Finance 7(3),
 * eq. for the hedging bandwidth): the hedge error e = Δ − Δ* diffuses at
 * rate Γ²σ²S² and is reflected at ±H, costing λ S Γ²σ²S²/(2H) per unit time
 * in trading, while the utility penalty of holding e is ½γσ²S²·E[e²] =
 * γσ²S²H²/6; the optimum is H³ = 3λSΓ²/(2γ) and σ cancels. The discount
 * factor e^{−r(T−t)} of the paper is taken as 1 (intraday horizons).
 * Units: S quote/base, Γ base²/quote, γ 1/quote → H³ in base³.
 */
export function whalleyWilmottHalfWidth(costRate: number, spot: number, gamma: number, riskAversionPerQuote: number): number {
  return Math.cbrt((3 * costRate * spot * gamma * gamma) / (2 * riskAversionPerQuote));
}

function nonNegative(v: number, field: string): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`must be a finite number >= 0, got ${v}`, { field });
}

/**
 * Builds the policy for a config. `fieldPrefix` names where the config sits
 * in the scenario, for error locations (default 'dealer.hedge').
 */
export function makeHedgePolicy(cfg: HedgeConfig, fieldPrefix = 'dealer.hedge'): HedgePolicy {
  const p = fieldPrefix;
  switch (cfg.kind) {
    case 'none':
      return { kind: 'none', toZero: false, trade: () => 0 };
    case 'every-bar': {
      const min = cfg.minTradeBase;
      nonNegative(min, `${p}.minTradeBase`);
      return {
        kind: 'every-bar',
        toZero: min === 0,
        trade: (x) => (Math.abs(x.netDelta) > min ? -x.netDelta : 0),
      };
    }
    case 'delta-band': {
      nonNegative(cfg.halfWidthBase, `${p}.halfWidthBase`);
      const target = cfg.target;
      if (target !== 'edge' && target !== 'zero') throw new ConfigError(`must be 'edge' or 'zero', got '${String(target)}'`, { field: `${p}.target` });
      const h = cfg.halfWidthBase;
      const toZero = target === 'zero';
      return { kind: 'delta-band', toZero: false, trade: (x) => tradeToBand(x.netDelta, h, toZero) };
    }
    case 'time-interval': {
      const k = cfg.everyBars;
      if (!Number.isInteger(k) || k < 1) throw new ConfigError(`must be an integer >= 1, got ${k}`, { field: `${p}.everyBars` });
      const off = cfg.offsetBars;
      if (!Number.isInteger(off) || off < 0) throw new ConfigError(`must be an integer >= 0, got ${off}`, { field: `${p}.offsetBars` });
      return {
        kind: 'time-interval',
        toZero: true,
        // ((b % k) + k) % k keeps bars before the offset on the same schedule.
        trade: (x) => ((((x.bar - off) % k) + k) % k === 0 ? -x.netDelta : 0),
      };
    }
    case 'whalley-wilmott': {
      const g = cfg.riskAversionPerQuote;
      if (!(g > 0) || !Number.isFinite(g)) throw new ConfigError(`must be a positive finite number, got ${g}`, { field: `${p}.riskAversionPerQuote` });
      const fixedCost = cfg.costRate;
      if (fixedCost !== undefined) nonNegative(fixedCost, `${p}.costRate`);
      const floor = cfg.minHalfWidthBase;
      nonNegative(floor, `${p}.minHalfWidthBase`);
      return {
        kind: 'whalley-wilmott',
        toZero: false,
        trade: (x) => {
          const h = whalleyWilmottHalfWidth(fixedCost ?? x.costRate, x.spot, x.bookGamma, g);
          return tradeToBand(x.netDelta, h > floor ? h : floor, false);
        },
      };
    }
    default: {
      const unknown: never = cfg;
      throw new ConfigError(`unknown hedge policy '${String((unknown as { kind: unknown }).kind)}' (none, every-bar, delta-band, time-interval, whalley-wilmott)`, { field: `${p}.kind` });
    }
  }
}

/**
 * The one order that leaves a trade-to-zero dealer hedged after its own
 * impact: the limit of its cascade rounds. Each round trades its net delta,
 * the trade moves the mid, and the book's delta moves with it by Γ·Δmid, so
 * the rounds' running total Q stops where
 *
 *   F(Q) = netDelta + Q + Γ·(midAfter(Q) − spot) = 0,
 *
 * midAfter being the liquidity model's pure query. The rounds are the
 * iteration Q ← Q − F(Q) from 0. In the direction u of the first order
 * (h(u) = F signed so h(0) < 0), rounds with a positive ratio climb
 * monotonically to the first root of h, and rounds with a negative ratio
 * overshoot into a bracket around it; a book's depth can vary with distance
 * so h may have further roots, and only the first is the rounds' limit.
 * So: secant steps that must keep climbing with h < 0 (each point a lower
 * bound), then regula falsi (Illinois) inside the first bracket found.
 * Returns NaN, and the caller sends the plain round's order, where h stops
 * rising before a root (the rounds stall or run away: at or past
 * criticality, where the round cap decides).
 */
export function hedgeFixedPoint(netDelta: number, gamma: number, spot: number, midAfter: (q: number) => number): number {
  if (netDelta === 0) return 0;
  const s = netDelta > 0 ? -1 : 1;
  let lo = 0;
  let hlo = s * netDelta;
  let u = Math.abs(netDelta);
  let hu = signedGap(u, s, netDelta, gamma, spot, midAfter);
  let it = 0;
  for (; hu < 0; it++) {
    if (it === SOLVE_MAX_STEPS) return Number.NaN;
    const slope = (hu - hlo) / (u - lo);
    if (!(slope > 0)) return Number.NaN;
    const next = u - hu / slope;
    lo = u;
    hlo = hu;
    if (next - u <= SOLVE_TOL * next) return s * next;
    u = next;
    hu = signedGap(u, s, netDelta, gamma, spot, midAfter);
  }
  if (hu === 0) return s * u;
  // Bracket [lo, hi] with h(lo) < 0 < h(hi), narrowed by regula falsi with the Illinois halving.
  let hi = u;
  let hhi = hu;
  let side = 0;
  let c = u;
  for (; it < SOLVE_MAX_STEPS; it++) {
    const prev = c;
    c = (lo * hhi - hi * hlo) / (hhi - hlo);
    if (!Number.isFinite(c)) return Number.NaN;
    const hc = signedGap(c, s, netDelta, gamma, spot, midAfter);
    if (hc === 0 || Math.abs(c - prev) <= SOLVE_TOL * c || hi - lo <= SOLVE_TOL * hi) return s * c;
    if (hc < 0) {
      lo = c;
      hlo = hc;
      if (side === -1) hhi *= 0.5;
      side = -1;
    } else {
      hi = c;
      hhi = hc;
      if (side === 1) hlo *= 0.5;
      side = 1;
    }
  }
  return Number.NaN;
}

/** h(u) of hedgeFixedPoint: F at the order s·u, signed by s. A function of its own, not a closure, so a solve allocates nothing. */
function signedGap(u: number, s: number, netDelta: number, gamma: number, spot: number, midAfter: (q: number) => number): number {
  return s * (netDelta + s * u + gamma * (midAfter(s * u) - spot));
}

const SOLVE_MAX_STEPS = 100;
/**
 * Relative step that ends the solve. F carries rounding of a few ulps of
 * netDelta, so steps cannot shrink much below this; the order is then
 * within ~1e-12 of the root in relative terms, far inside the 1e-8 base
 * units at which the plain rounds stop.
 */
const SOLVE_TOL = 1e-12;
