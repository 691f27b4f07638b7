/**
 * Config types for the liquidity models: the schema's `market.liquidity`
 * (config/marketSchema.ts, where the defaults and their sources live), with
 * what the runner resolves before a model is built (the calibrated depth, the
 * daily volume, the book's levels). Names carry units.
 */
import type { LiquiditySchemaConfig } from '../config/marketSchema.js';

type Schema<K extends LiquiditySchemaConfig['kind']> = Extract<LiquiditySchemaConfig, { kind: K }>;

/**
 * Impact bookkeeping shared by all three models: the share of each order's
 * log impact that never decays, and the half-life (ms; Infinity switches
 * resilience off) of the transient part of J and of the sqrt model's
 * metaorder memory.
 */
export type ImpactDecayConfig = Pick<Schema<'linear'>, 'permanentFraction' | 'transientHalfLifeMs'>;

/**
 * Kyle / Obizhaeva–Wang: log impact q / D, linear in size. `depth1PctQuote`
 * (the runner's, calibrated or from the scenario): quote amount that moves
 * the price by 1% (one side), > 0, converted to base units per unit
 * log-price at the first bar's price, D0 = depth1PctQuote / (0.01 ·
 * refPrice_0); depth then changes only through BarMarket.depthScale.
 */
export type LinearLiquidityConfig = Schema<'linear'> & { depth1PctQuote: number };

/**
 * Square-root law: impact Y σ_day sqrt(Q / V_day) over a decaying metaorder
 * Q. `dailyVolumeBase` is V, base units per calendar day, resolved by the
 * runner when the scenario leaves it out (depthCalibration.ts:
 * rollingDailyVolumeBase).
 */
export type SqrtLiquidityConfig = Omit<Schema<'sqrt'>, 'dailyVolumeBase'> & { dailyVolumeBase: number };

/** A literal book: `[price, size]` pairs in quote per base and base units. */
export interface LiteralBook {
  bids: ReadonlyArray<readonly [number, number]>;
  asks: ReadonlyArray<readonly [number, number]>;
  /** The book's mid; default the midpoint of best bid and best ask. */
  mid?: number;
}

/**
 * Where the L2 book's level offsets and target depths come from: a grid of
 * the schema's levels with the runner's quote depth per side within 1%
 * (0.01 in log-price) of mid; a literal book; or a snapshot CSV
 * `side,price,size` (l2Snapshot.ts), each side rescaled, when
 * `depth1PctQuote` is set (> 0), so its depth within 1% of mid equals it.
 * The schema still refuses negative profile exponents for the grid (a
 * liquidity profile that thins with distance is not what the grid is for);
 * the model itself is free of round-trip profits for any shape (book.ts).
 */
export type BookLevelsConfig =
  | ({ source: 'grid'; depth1PctQuote: number } & Pick<Schema<'book'>, 'levelsPerSide' | 'levelSpacingBps' | 'halfSpreadBps' | 'profileExponent'>)
  | ({ source: 'literal' } & LiteralBook)
  | { source: 'snapshot'; file: string; depth1PctQuote?: number };

/** Discrete L2 book around the mid; market orders walk the levels. */
export type BookLiquidityConfig = Pick<Schema<'book'>, 'kind' | 'permanentFraction' | 'transientHalfLifeMs' | 'refillHalfLifeMs' | 'probeBps'> & {
  levels: BookLevelsConfig;
};

export type LiquidityConfig = LinearLiquidityConfig | SqrtLiquidityConfig | BookLiquidityConfig;

/**
 * The book model's config from the scenario's `liquidity` entry: a snapshot
 * when one is given (its path already resolved by the caller), else a grid
 * of the entry's levels; either holds `depth1PctQuote` within 1% of the mid.
 */
export function bookLiquidityConfig(l: Schema<'book'>, depth1PctQuote: number, snapshotFile?: string): BookLiquidityConfig {
  return {
    kind: 'book',
    permanentFraction: l.permanentFraction,
    transientHalfLifeMs: l.transientHalfLifeMs,
    refillHalfLifeMs: l.refillHalfLifeMs,
    probeBps: l.probeBps,
    levels:
      snapshotFile !== undefined
        ? { source: 'snapshot', file: snapshotFile, depth1PctQuote }
        : {
            source: 'grid',
            depth1PctQuote,
            levelsPerSide: l.levelsPerSide,
            levelSpacingBps: l.levelSpacingBps,
            halfSpreadBps: l.halfSpreadBps,
            profileExponent: l.profileExponent,
          },
  };
}

/** 1 bp in fraction / log-price units. */
export const BPS = 1e-4;
