import { ConfigError } from '../../core/errors.js';
import type { SeedTree } from '../../core/rng.js';
import { PARTY_NAMES } from '../../sim/ledger.js';
import type { LotBook } from '../lots.js';
import { BackstopPoolMechanism, type BackstopPoolConfig } from './backstopPool.js';
import { checkBiddersConfig } from './bidders.js';
import { DirectMechanism, type DirectMechanismConfig } from './direct.js';
import { DutchAuctionMechanism, type DutchAuctionConfig } from './dutchAuction.js';

export type { BackstopPoolConfig } from './backstopPool.js';
export type { BiddersConfig, BidderGroupConfig, Distribution } from './bidders.js';
export type { DirectMechanismConfig } from './direct.js';
export type { AuctionDecay, DutchAuctionConfig } from './dutchAuction.js';

/**
 * The mechanism's plain config, every field filled in (defaults are written in
 * each field's comment for the zod schema; STYLE.md principle 4). Default kind:
 * 'direct'.
 */
export type MechanismConfig = DirectMechanismConfig | DutchAuctionConfig | BackstopPoolConfig;

export type Mechanism = DirectMechanism | DutchAuctionMechanism | BackstopPoolMechanism;

export interface MechanismContext {
  /** The protocol's lot book; mechanisms size their per-lot state by its capacity and walk its open lots. */
  readonly lots: LotBook;
  /** The run's seed tree; the auction bidders draw from its 'auction-bidders' stream. */
  readonly seeds: SeedTree;
}

/**
 * Builds a mechanism from a filled-in config. Checks ranges again, so a config
 * built in code gets the same located errors as one read from a file; `path`
 * prefixes the field names.
 */
export function createMechanism(config: MechanismConfig, ctx: MechanismContext, path = 'protocol.mechanism'): Mechanism {
  checkMechanismConfig(config, path);
  switch (config.kind) {
    case 'direct':
      return new DirectMechanism(ctx.lots);
    case 'dutch':
      return new DutchAuctionMechanism(config, ctx.lots, ctx.seeds.rng('auction-bidders'));
    case 'backstop':
      return new BackstopPoolMechanism(config, ctx.lots);
  }
}

export function checkMechanismConfig(config: MechanismConfig, path = 'protocol.mechanism'): void {
  switch (config.kind) {
    case 'direct':
      return;
    case 'dutch': {
      nonNegativeFinite(config.startPremiumPct, `${path}.startPremiumPct`);
      positiveFinite(config.stepMs, `${path}.stepMs`);
      const d = config.decay;
      if (d.kind === 'exponential') {
        if (!(d.cutPctPerStep > 0 && d.cutPctPerStep < 100)) throw new ConfigError(`must be in (0, 100), got ${d.cutPctPerStep}`, { field: `${path}.decay.cutPctPerStep` });
      } else if (d.kind === 'linear') {
        positiveFinite(d.timeToZeroMs, `${path}.decay.timeToZeroMs`);
      } else {
        throw new ConfigError(`unknown decay '${String((d as { kind?: unknown }).kind)}' (expected exponential or linear)`, { field: `${path}.decay.kind` });
      }
      nonNegativeFinite(config.floorPctOfOracle, `${path}.floorPctOfOracle`);
      if (!(config.floorPctOfOracle < 100 + config.startPremiumPct)) {
        throw new ConfigError(`must be below the start price (${100 + config.startPremiumPct}% of the oracle), got ${config.floorPctOfOracle}`, {
          field: `${path}.floorPctOfOracle`,
        });
      }
      positiveFinite(config.maxDurationMs, `${path}.maxDurationMs`);
      if (config.unsold !== 'sell-direct' && config.unsold !== 'hold') {
        throw new ConfigError(`must be 'sell-direct' or 'hold', got '${String(config.unsold)}'`, { field: `${path}.unsold` });
      }
      const z = config.zeroPriceFractionOfOracle;
      if (!(z >= 0 && z < 1)) throw new ConfigError(`must be in [0, 1), got ${z}`, { field: `${path}.zeroPriceFractionOfOracle` });
      checkBiddersConfig(config.bidders, `${path}.bidders`);
      return;
    }
    case 'backstop': {
      nonNegativeFinite(config.initialCapitalQuote, `${path}.initialCapitalQuote`);
      if (!(config.discountPct >= 0 && config.discountPct < 100)) throw new ConfigError(`must be in [0, 100), got ${config.discountPct}`, { field: `${path}.discountPct` });
      const f = config.resaleFractionPerBar;
      if (!(f >= 0 && f <= 1)) throw new ConfigError(`must be in [0, 1], got ${f}`, { field: `${path}.resaleFractionPerBar` });
      const w = config.withdrawToParty;
      if (w !== undefined && (!(PARTY_NAMES as readonly string[]).includes(w) || w === 'backstopPool')) {
        throw new ConfigError(`must be a ledger party other than 'backstopPool' (one of ${PARTY_NAMES.join(', ')}), got '${w}'`, { field: `${path}.withdrawToParty` });
      }
      return;
    }
    default: {
      const kind = (config as { kind?: unknown }).kind;
      throw new ConfigError(`unknown liquidation mechanism '${String(kind)}' (expected direct, dutch or backstop)`, { field: `${path}.kind` });
    }
  }
}

function positiveFinite(v: number, field: string): void {
  if (!(v > 0 && Number.isFinite(v))) throw new ConfigError(`must be finite and > 0, got ${v}`, { field });
}

function nonNegativeFinite(v: number, field: string): void {
  if (!(v >= 0 && Number.isFinite(v))) throw new ConfigError(`must be finite and >= 0, got ${v}`, { field });
}
