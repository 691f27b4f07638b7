/**
 * Plain config types for the liquidity models. Defaults are written in the
 * comments for the zod schema (STYLE.md principle 4: defaults live in the
 * schema only); the factory expects every field filled in. Names carry units.
 *
 * Defaults marked "assumption" have no published figure behind them: expose
 * them in reports and sweep them.
 */

/** Impact bookkeeping shared by all three models. */
export interface ImpactDecayConfig {
  /**
   * Share of each order's log impact that never decays, in [0, 1].
   * Default 2/3: permanent impact is about 2/3 of the peak (Said et al. 2017,
   * equities; docs/calibration.md#impact).
   */
  permanentFraction: number;
  /**
   * Half-life of the transient part of J (and of the sqrt model's metaorder
   * memory), ms, > 0; `Infinity` switches resilience off. Default 900_000
   * (15 min) — an assumption: Bacry et al. 2015 find slow decay, Donier &
   * Bonart 2015 nearly full decay for uninformed Bitcoin flow, neither gives
   * one number for a crash.
   */
  transientHalfLifeMs: number;
}

/** Kyle / Obizhaeva–Wang: log impact q / D, linear in size. */
export interface LinearLiquidityConfig extends ImpactDecayConfig {
  kind: 'linear';
  /**
   * Quote amount that moves the price by 1% (one side), > 0. Converted to base
   * units per unit log-price at the first bar's price: D0 = depth1PctQuote /
   * (0.01 · refPrice_0); depth then changes only through BarMarket.depthScale.
   * No default: calibrate it (depthCalibration.ts) or set it from a published
   * figure (e.g. BTC ≈ $20M per major venue, Oct 2025, CoinDesk Research).
   */
  depth1PctQuote: number;
  /** Half-spread paid on every fill, bps, >= 0. Default 1 (assumption; aggregate book). */
  halfSpreadBps: number;
}

/** Square-root law: impact Y σ_day sqrt(Q / V_day) over a decaying metaorder Q. */
export interface SqrtLiquidityConfig extends ImpactDecayConfig {
  kind: 'sqrt';
  /** V: traded volume per calendar day, base units, > 0 (depthCalibration.ts: rollingDailyVolumeBase). No default. */
  dailyVolumeBase: number;
  /** Y, the square-root-law prefactor, > 0. Default 1 (Tóth et al. 2011: "of order one"). */
  impactPrefactor: number;
  /** Half-spread paid on every fill, bps, >= 0. Default 1 (assumption). */
  halfSpreadBps: number;
  /**
   * Floor on |Q| / V when the local slope feeds depthPerLogPrice, > 0 (the
   * slope of sqrt is infinite at Q = 0). Default 1e-4 (assumption: a cascade's
   * marginal order is at least about a ten-thousandth of daily volume).
   */
  slopeFloorFractionOfDailyVolume: number;
}

/** A literal book: `[price, size]` pairs in quote per base and base units. */
export interface LiteralBook {
  bids: ReadonlyArray<readonly [number, number]>;
  asks: ReadonlyArray<readonly [number, number]>;
  /** The book's mid; default the midpoint of best bid and best ask. */
  mid?: number;
}

/** Where the L2 book's level offsets and target depths come from. */
export type BookLevelsConfig =
  | {
      source: 'grid';
      /** Quote depth per side within 1% (0.01 in log-price) of mid, > 0; no default (calibrate it). */
      depth1PctQuote: number;
      /** Levels per side, integer >= 1. Default 200. */
      levelsPerSide: number;
      /** Log distance between consecutive levels, bps, > 0. Default 1. */
      levelSpacingBps: number;
      /** Log distance from mid to the first level, bps, > 0. Default 0.5 (assumption). */
      halfSpreadBps: number;
      /**
       * Target depth per level ∝ (offset / first offset)^profileExponent, >= 0
       * (0 = flat, 1 = growing linearly with distance). Default 0. Negative
       * exponents are refused: a book thinning with distance lets a round trip
       * across a re-centring profit (see book.ts).
       */
      profileExponent: number;
    }
  | ({ source: 'literal' } & LiteralBook)
  | {
      source: 'snapshot';
      /** CSV `side,price,size` (l2Snapshot.ts). */
      file: string;
      /** If set (> 0), each side is rescaled so its depth within 1% of mid equals this quote amount. */
      depth1PctQuote?: number;
    };

/** Discrete L2 book around the mid; market orders walk the levels. */
export interface BookLiquidityConfig extends ImpactDecayConfig {
  kind: 'book';
  levels: BookLevelsConfig;
  /** Half-life of the refill of consumed depth toward target, ms, > 0; Infinity = never. Default 300_000 (5 min, assumption). */
  refillHalfLifeMs: number;
  /** Window beyond the mid used to measure depthPerLogPrice, bps, > 0. Default 100 (the 1% depth convention). */
  probeBps: number;
}

export type LiquidityConfig = LinearLiquidityConfig | SqrtLiquidityConfig | BookLiquidityConfig;

/** 1 bp in fraction / log-price units. */
export const BPS = 1e-4;
