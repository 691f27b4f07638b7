import { ConfigError } from '../core/errors.js';
import { OrderBookModel } from './book.js';
import { gridShape, literalShape, snapshotShape } from './bookShape.js';
import type { BookLiquidityConfig, ImpactDecayConfig, LiquidityConfig } from './config.js';
import { loadL2Snapshot } from './l2Snapshot.js';
import { LinearImpactModel } from './linear.js';
import type { LiquidityModel } from './liquidity.js';
import { SqrtImpactModel } from './sqrt.js';

/**
 * Builds a liquidity model from a filled-in config (defaults come from the zod
 * schema). Checks ranges again, so a config built in code gets the same
 * located errors as one read from a file; `path` prefixes the field names.
 */
export function createLiquidityModel(config: LiquidityConfig, path = 'liquidity'): LiquidityModel {
  checkDecay(config, path);
  switch (config.kind) {
    case 'linear':
      positiveFinite(config.depth1PctQuote, `${path}.depth1PctQuote`);
      nonNegativeFinite(config.halfSpreadBps, `${path}.halfSpreadBps`);
      return new LinearImpactModel(config);
    case 'sqrt':
      positiveFinite(config.dailyVolumeBase, `${path}.dailyVolumeBase`);
      positiveFinite(config.impactPrefactor, `${path}.impactPrefactor`);
      nonNegativeFinite(config.halfSpreadBps, `${path}.halfSpreadBps`);
      positiveFinite(config.slopeFloorFractionOfDailyVolume, `${path}.slopeFloorFractionOfDailyVolume`);
      positiveFinite(config.referenceMetaorderFractionOfDailyVolume, `${path}.referenceMetaorderFractionOfDailyVolume`);
      return new SqrtImpactModel(config);
    case 'book':
      return createBook(config, path);
    default: {
      const kind = (config as { kind?: unknown }).kind;
      throw new ConfigError(`unknown liquidity model '${String(kind)}' (expected linear, sqrt or book)`, { field: `${path}.kind` });
    }
  }
}

function createBook(config: BookLiquidityConfig, path: string): OrderBookModel {
  halfLife(config.refillHalfLifeMs, `${path}.refillHalfLifeMs`);
  positiveFinite(config.probeBps, `${path}.probeBps`);
  const lv = config.levels;
  const lp = `${path}.levels`;
  const shape =
    lv.source === 'grid' ? gridShape(lv, lp)
      : lv.source === 'literal' ? literalShape(lv, lp)
        : lv.source === 'snapshot' ? snapshotShape(loadL2Snapshot(lv.file), lv.depth1PctQuote, lp)
          : (() => { throw new ConfigError(`unknown book source '${String((lv as { source?: unknown }).source)}' (expected grid, literal or snapshot)`, { field: `${lp}.source` }); })();
  return new OrderBookModel(shape, config);
}

function checkDecay(c: ImpactDecayConfig, path: string): void {
  const pf = c.permanentFraction;
  if (!(pf >= 0 && pf <= 1)) throw new ConfigError(`must be in [0, 1], got ${pf}`, { field: `${path}.permanentFraction` });
  halfLife(c.transientHalfLifeMs, `${path}.transientHalfLifeMs`);
}

function halfLife(v: number, field: string): void {
  if (!(v > 0)) throw new ConfigError(`must be > 0 ms (Infinity for none), got ${v}`, { field });
}

function positiveFinite(v: number, field: string): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError(`must be finite and > 0, got ${v}`, { field });
}

function nonNegativeFinite(v: number, field: string): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`must be finite and >= 0, got ${v}`, { field });
}
