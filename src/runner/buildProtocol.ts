import type { Scenario } from '../config/scenario.js';
import { resolveDataPath } from '../config/resolveTarget.js';
import type { SeedTree } from '../core/rng.js';
import { MS_PER_DAY, TENOR_DAYS_PER_YEAR } from '../core/time.js';
import type { BarSeries } from '../data/bars.js';
import { RollingQuoteVolume } from '../metrics/mlr.js';
import { AccountBook } from '../protocol/accounts.js';
import { CircuitBreaker } from '../protocol/defences/circuitBreaker.js';
import { ContagionBond } from '../protocol/defences/contagionBond.js';
import { ConfigError } from '../core/errors.js';
import { DynamicThreshold } from '../protocol/defences/dynamicThreshold.js';
import { MarginFloor } from '../protocol/defences/marginFloor.js';
import { SolvencyTest } from '../protocol/defences/solvencyTest.js';
import { loadGasSeries } from '../protocol/gasSeries.js';
import { Keepers } from '../protocol/keepers.js';
import { Ladder, ladderGridAround } from '../protocol/ladder.js';
import { LotBook } from '../protocol/lots.js';
import { createMechanism, type Mechanism, type MechanismConfig } from '../protocol/mechanisms/factory.js';
import { createOracle } from '../protocol/oracle.js';
import { loadPositions } from '../protocol/positionsCsv.js';
import { ProtocolAgent } from '../protocol/protocolAgent.js';
import { makeDeleveraging } from '../behaviour/deleveraging.js';
import { BackstopFlight } from '../behaviour/backstopFlight.js';
import { InsuranceFund, type SettlementConfig } from '../protocol/settlement.js';
import { buildPerpVenue } from '../protocol/perp/build.js';
import { generatedBook } from './populationCache.js';

export interface ProtocolBuildReport {
  accounts: number;
  totalCollateralBase: number;
  totalDebtQuote: number;
  openInterestQuote: number;
  meanThreshold: number;
  populationNote: string;
}

/** Lots in flight at once: one per round with liquidations, open until sold (auctions: up to their duration). */
const LOT_CAPACITY = 1 << 12;

/** Builds the protocol agent from the scenario's `protocol` section (null when disabled). */
export function buildProtocol(
  scenario: Scenario,
  bars: BarSeries,
  barMs: number,
  baseDir: string,
  seeds: SeedTree,
  accounts?: AccountBook,
  /** The warm-up and the run as one series, and the run's first bar in it: the 24h volume behind MLR reads the warm-up. */
  past?: { readonly history: BarSeries; readonly first: number },
): { agent: ProtocolAgent; report: ProtocolBuildReport; flight: BackstopFlight | null; mechanism: Mechanism } | null {
  const p = scenario.protocol;
  if (!p.enabled) return null;
  const startPrice = bars.close[0];
  const { book, note } = accounts ? { book: accounts, note: `${accounts.openCount} accounts given in code` } : buildAccounts(scenario, startPrice, baseDir, seeds);
  const ladder = Ladder.fromBook(book, ladderGridAround(startPrice));
  let weighted = 0;
  for (let i = 0; i < book.length; i++) if (book.open[i] === 1) weighted += book.collateral[i] * book.threshold[i];
  const totalColl = book.totalCollateral();
  const meanThreshold = totalColl > 0 ? Math.min(1, weighted / totalColl) : 1;

  const lots = new LotBook(LOT_CAPACITY);
  const flightCfg = scenario.behaviour.backstopFlight;
  const mechanism = createMechanism(mechanismConfig(scenario), { lots, seeds }, 'protocol.liquidation.mechanism');
  const k = p.keepers;
  const gas = k.gas ? loadGasSeries(resolveDataPath(k.gas.path, baseDir)) : undefined;
  const keepers = new Keepers(k, barMs, gas);
  const d = p.defences;
  const settlement: SettlementConfig = {
    keeperShareOfPenalty: p.settlement.keeperShareOfPenalty,
    penaltyCapFractionOfDebt: Infinity,
    lossPolicy: p.settlement.lossPolicy,
    socializeParties: ['lenders'],
    socializeWeights: [1],
  };
  const penaltyBps = p.liquidation.penaltyPct * 100;
  if (d.contagionBond && d.contagionBond.payoutTo === 'backstopPool' && p.liquidation.mechanism.kind !== 'backstop') {
    throw new ConfigError(`payoutTo 'backstopPool' needs protocol.liquidation.mechanism 'backstop', got '${p.liquidation.mechanism.kind}'`, {
      field: 'protocol.defences.contagionBond.payoutTo',
    });
  }
  const flight = flightCfg.enabled ? new BackstopFlight(flightCfg, seeds.rng('behaviour.backstopFlight')) : null;
  const agent = new ProtocolAgent({
    ladder,
    oracle: createOracle(p.oracle, barMs),
    keepers,
    lots,
    mechanism,
    fund: new InsuranceFund({ initialQuote: p.insuranceFundQuote }),
    settlement,
    dynamicThreshold: new DynamicThreshold(d.dynamicThreshold),
    breaker: new CircuitBreaker(d.circuitBreaker, barMs),
    floor: new MarginFloor(d.marginFloor, barMs),
    solvency: d.solvencyTest
      ? new SolvencyTest({ ...d.solvencyTest, basePenaltyBps: penaltyBps, ltForProjection: meanThreshold })
      : null,
    closeFactor: p.liquidation.closeFactor,
    penalty: penaltyBps / 1e4,
    dustDebtQuote: p.liquidation.dustDebtQuote,
    maxPerRound: p.liquidation.maxPerRound,
    rollingVolume: past ? new RollingQuoteVolume(past.history, { windowMs: MS_PER_DAY, offset: past.first }) : new RollingQuoteVolume(bars, { windowMs: MS_PER_DAY }),
    meanThreshold,
    putStripTenorYears: p.putStripTenorDays / TENOR_DAYS_PER_YEAR,
    putStripEveryBars: p.putStripEveryBars,
    deleveraging: makeDeleveraging(scenario.behaviour.deleveraging, ladder, seeds.rng('behaviour.deleveraging')),
    flight,
    bond: d.contagionBond ? new ContagionBond(d.contagionBond) : null,
    perp: p.perp ? buildPerpVenue(p.perp, book, startPrice, barMs, baseDir, seeds) : null,
  });
  return {
    agent,
    flight,
    mechanism,
    report: {
      accounts: book.openCount,
      totalCollateralBase: totalColl,
      totalDebtQuote: book.totalDebt(),
      openInterestQuote: totalColl * startPrice,
      meanThreshold,
      populationNote: note,
    },
  };
}

function buildAccounts(scenario: Scenario, startPrice: number, baseDir: string, seeds: SeedTree): { book: AccountBook; note: string } {
  const pop = scenario.protocol.population;
  if (pop.kind === 'csv') {
    const loaded = loadPositions(resolveDataPath(pop.path, baseDir), { startPrice });
    return { book: loaded.book, note: `${loaded.report.accounts} accounts from ${pop.path}` };
  }
  const generated = generatedBook(
    {
      count: pop.count,
      startPrice,
      venue: pop.venue,
      size: pop.size,
      ...(pop.leverage ? { leverage: pop.leverage.map((b, i) => ({ ...b, label: b.label || `band ${i}` })) } : {}),
      entry: pop.entry,
    },
    seeds.rng('protocol.population'),
    pop.totalNotionalQuote,
  );
  return { book: generated.book, note: `${generated.accounts} generated accounts (${generated.redraws} redrawn as liquidatable at the start)` };
}

function mechanismConfig(scenario: Scenario): MechanismConfig {
  const m = scenario.protocol.liquidation.mechanism;
  // Withdrawn capital leaves through the ledger to its depositors.
  if (m.kind === 'backstop' && scenario.behaviour.backstopFlight.enabled) return { ...m, withdrawToParty: 'backstopDepositors' };
  return m;
}
