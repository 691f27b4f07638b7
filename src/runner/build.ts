import { shortQuote } from '../core/format.js';
import type { Scenario } from '../config/scenario.js';
import type { InventoryBlock } from '../config/dealerSchema.js';
import { resolveDataPath } from '../config/resolveTarget.js';
import { ConfigError } from '../core/errors.js';
import { SeedTree, type Rng } from '../core/rng.js';
import { DAYS_PER_YEAR, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, TENOR_DAYS_PER_YEAR } from '../core/time.js';
import type { BarSeries } from '../data/bars.js';
import { bookFromSpecs, customerCrashPuts, loadBookCsv, logUniformStrip, yieldVaultWeeklyPuts } from '../dealer/inventory.js';
import type { OptionSpec } from '../dealer/book.js';
import { DealerAgent } from '../dealer/dealerAgent.js';
import { makeHedgePolicy, type HedgeConfig } from '../dealer/hedgePolicy.js';
import { calibrateDepth1PctQuote, rollingDailyVolumeBase } from '../market/depthCalibration.js';
import { createLiquidityModel } from '../market/factory.js';
import { bookLiquidityConfig, type LiquidityConfig } from '../market/config.js';
import { SurfaceDynamics, type SurfaceSchedule } from '../surface/dynamics.js';
import { fitChainSeries, surfaceInForce, type ChainSurfaceSeries, type ExcludedQuotes } from '../surface/chainSeries.js';
import { forEachChainSnapshot, MAX_CHAIN_FILE_BYTES, readOptionChain } from '../data/optionChain.js';
import { checkInputFile } from '../core/files.js';
import { bookFromChain } from '../dealer/bookFromChain.js';
import { buildProtocol, type ProtocolBuildReport } from './buildProtocol.js';
import type { AccountBook } from '../protocol/accounts.js';
import { barIntervalMs } from '../data/bars.js';
import { lowerBound as lowerBoundTime } from '../data/window.js';
import { hourlyQuoteVolume } from '../data/quoteVolume.js';
import type { Agent } from '../sim/agent.js';
import { HerdingAgent } from '../behaviour/herding.js';
import { LiquidityProviders } from '../behaviour/liquidityProviders.js';
import { MarketStateModel } from '../market/marketState.js';
import type { EngineParts, RunData } from '../engine/run.js';
import type { ProtocolAgent } from '../protocol/protocolAgent.js';
import type { BackstopFlight } from '../behaviour/backstopFlight.js';
import { StrategyAgent, type StrategyRunConfig } from '../strategy/agent.js';
import type { StrategyDefinition } from '../strategy/api.js';
import { loadStrategy, parseStrategyParams } from '../strategy/load.js';

/** A strategy module and its parameters, checked against its schema. */
export interface LoadedStrategy {
  readonly definition: StrategyDefinition;
  readonly params: unknown;
}

/** Loads the scenario's strategy module (by path relative to `baseDir`, or bundled id) and checks its parameters; undefined when it has none. */
export async function loadScenarioStrategy(scenario: Scenario, baseDir: string): Promise<LoadedStrategy | undefined> {
  const s = scenario.strategy;
  if (!s) return undefined;
  const definition = await loadStrategy(s.path, baseDir);
  return { definition, params: parseStrategyParams(definition, s.params) };
}

/** What the simulated run and the naive twin share. */
export function strategyRunConfig(scenario: Scenario, loaded: LoadedStrategy): StrategyRunConfig {
  const s = scenario.strategy;
  if (!s) throw new ConfigError('no strategy in the scenario', { field: 'strategy' });
  return {
    definition: loaded.definition,
    params: loaded.params,
    capitalQuote: s.capitalQuote,
    maxLeverage: s.maxLeverage,
    maintenanceMargin: s.maintenanceMargin,
    calmVol: scenario.market.withdrawal.calmVolPerYear ?? scenario.market.initialVolPerYear,
    options: s.options,
    optionYearMs: optionYearMs(scenario),
    rate: scenario.market.rate,
    dividend: scenario.market.dividend,
  };
}

/** The year a time to expiry is counted in, ms: the dealer's day count, so the strategy's options are priced as the dealer's. */
function optionYearMs(scenario: Scenario): number {
  return (scenario.dealer.tenorDayCount === 'ACT/365' ? TENOR_DAYS_PER_YEAR : DAYS_PER_YEAR) * MS_PER_DAY;
}

/** The option-chain fits behind the surface, as summary.json reports them (docs/model.md, "Summary figures"). */
export interface SurfaceChainReport {
  readonly fits: number;
  readonly skipped: number;
  readonly firstFit: string;
  readonly lastFit: string;
  /** Run bars priced on the section's own surface, before the first fit was known. */
  readonly barsBeforeFirstFit: number;
  readonly rmseVolPointsMedian: number;
  readonly rmseVolPointsMax: number;
  readonly quotesExcluded: ExcludedQuotes;
}

/** Facts about how the parts were set up, reported in summary.json. */
export interface BuildReport {
  depth1PctQuote: number;
  depthCalibration: string;
  dealerOptions: number;
  dealerNetQtyBase: number;
  protocol: ProtocolBuildReport | null;
  /** How the surface was fitted to the option chain (surface.chain only). */
  surfaceChain?: SurfaceChainReport;
  /** What a user must know about how the parts were set (an implausible volume unit); empty when nothing. */
  warnings: string[];
}

/**
 * The parts by role as they were built, null when absent: the runner reads
 * their figures and typed columns after the run.
 */
export interface BuiltRoles {
  readonly protocol: ProtocolAgent | null;
  readonly dealer: DealerAgent | null;
  readonly herding: HerdingAgent | null;
  /** Backstop capital flight, hosted by the protocol. */
  readonly flight: BackstopFlight | null;
  /** The strategy under test, acting last. */
  readonly strategy: StrategyAgent | null;
}

/**
 * Builds the run's parts from the validated scenario. With no options in the
 * dealer's book (and no other agent), no order is ever sent and the run is
 * the history exactly.
 */
/** Parts given in code instead of from the scenario (tests, research scripts). */
export interface BuildOverrides {
  /** The protocol's accounts (the scenario's population section is then ignored). */
  readonly accounts?: AccountBook;
  /** The scenario's strategy module, loaded (`loadScenarioStrategy`): modules load asynchronously, the build does not. */
  readonly strategy?: LoadedStrategy;
}

export function buildEngineParts(scenario: Scenario, data: RunData, baseDir: string, overrides: BuildOverrides = {}): { parts: EngineParts; report: BuildReport; roles: BuiltRoles } {
  const bars = data.bars;
  const seeds = new SeedTree(scenario.seed);
  const mk = scenario.market;
  // Calibrations read the warm-up and the run as one series, at or before
  // the run's first bar (index `first`): never a bar they apply to.
  const history = data.history ?? bars;
  const first = history.length - bars.length;
  const { depth1PctQuote, depthRatio, how } = baseDepth(scenario, history, first);
  const warnings: string[] = [];
  if (mk.depth.source === 'volume' || (mk.liquidity.kind === 'sqrt' && mk.liquidity.dailyVolumeBase === undefined)) {
    const hourly = hourlyQuoteVolume(bars);
    if (hourly?.warning) warnings.push(`depth: ${hourly.warning}`);
  }
  const liquidity = createLiquidityModel(liquidityConfig(scenario, history, first, depth1PctQuote, baseDir), 'market.liquidity');

  const sf = scenario.surface;
  // A flat surface is SSVI with ρ = 0 and η = 0 (φ = 0, so w(k) = θ for every k) under sticky strike.
  const flat = sf.flatVol;
  const chain = sf.chain !== undefined ? chainSchedule(scenario, bars, baseDir, warnings) : undefined;
  const schedule = chain?.schedule;
  const surface = new SurfaceDynamics({
    mode: flat !== undefined ? 'sticky-strike' : sf.dynamics,
    base: {
      params: flat !== undefined ? { rho: 0, eta: 0, gamma: sf.gamma } : { rho: sf.rho, eta: sf.eta, gamma: sf.gamma },
      term: flat !== undefined || sf.term.kind === 'flat' ? { kind: 'flat' } : { kind: 'meanReverting', refYears: sf.term.refYears, longRunVol: sf.term.longRunVol, kappa: sf.term.kappa },
      atmVol: flat ?? mk.initialVolPerYear * sf.atm.premium,
      onArbitrage: sf.onArbitrage,
    },
    stress: sf.stress,
    ...(schedule !== undefined ? { schedule } : {}),
  });
  const market = new MarketStateModel({
    surface,
    rate: mk.rate,
    dividend: mk.dividend,
    atmPremium: sf.atm.premium,
    minAtmVol: sf.atm.minVol,
    maxAtmVol: sf.atm.maxVol,
    atmRealisedHalfLifeMs: sf.atm.realisedHalfLifeHours * MS_PER_HOUR,
    initialVol: mk.initialVolPerYear,
    useIvIndex: sf.atm.useIvIndex,
    ...(flat !== undefined ? { fixedAtmVol: flat } : {}),
    withdrawal: { elasticity: mk.withdrawal.elasticity, minScale: mk.withdrawal.minScale, stressElasticity: 0 },
    calmVol: mk.withdrawal.calmVolPerYear ?? mk.initialVolPerYear,
    depthRatio,
    depthHeldIn: mk.depthHeldIn,
    firstPrice: bars.close[0],
    impactCarriesVol: scenario.market.liquidity.kind === 'sqrt',
    skewYears: sf.skewTenorDays / TENOR_DAYS_PER_YEAR,
  });

  const agents: Agent[] = [];
  // Agents act in this order every round: the protocol liquidates first, then
  // the dealer hedges (docs/model.md#cascade-rounds).
  const protocol = buildProtocol(scenario, bars, bars.length > 1 ? barIntervalMs(bars) : 60_000, baseDir, seeds, overrides.accounts, { history, first });
  if (protocol) {
    agents.push(protocol.agent);
    const w = openInterestReachWarning(protocol.report.openInterestQuote, depth1PctQuote);
    if (w) warnings.push(w);
  }
  const specs = dealerInventory(scenario, bars, baseDir, seeds);
  let netQty = 0;
  for (const s of specs) netQty += s.qty;
  let dealer: DealerAgent | null = null;
  if (specs.length > 0) {
    const dl = scenario.dealer;
    const hedge: HedgeConfig = dl.hedge.kind === 'whalley-wilmott' && dl.hedge.costRate === undefined
      ? { ...dl.hedge, costRate: dl.hedgeCostBps / 1e4 }
      : dl.hedge;
    agents.push(
      (dealer = new DealerAgent({
        book: bookFromSpecs(sortByExpiry(specs), specs.length),
        policy: makeHedgePolicy(hedge, 'dealer.hedge'),
        roll: dl.roll,
        yearMs: (dl.tenorDayCount === 'ACT/365' ? TENOR_DAYS_PER_YEAR : DAYS_PER_YEAR) * MS_PER_DAY,
        costRate: dl.hedgeCostBps / 1e4,
        rebaseFraction: dl.revaluation.maxSpotMoveBps * 1e-4,
        startHedged: dl.startHedged,
        revaluation: dl.revaluation.mode,
        maxAtmVolMove: dl.revaluation.maxAtmVolMove,
        maxDrawdownMove: dl.revaluation.maxDrawdownMove,
        maxStaleMs: dl.revaluation.maxStaleMinutes * MS_PER_MINUTE,
      })),
    );
  }
  const h = scenario.behaviour.herding;
  let herding: HerdingAgent | null = null;
  if (h.enabled) {
    agents.push((herding = new HerdingAgent(h, seeds.rng('behaviour.herding'))));
  }
  // The strategy acts last in every round: it sees the round's forced selling and hedging before it answers.
  let strategy: StrategyAgent | null = null;
  if (scenario.strategy) {
    const loaded = overrides.strategy;
    if (!loaded) throw new ConfigError('the scenario names a strategy but none was loaded: call loadScenarioStrategy first', { field: 'strategy.path' });
    // The strategy's backstop deposits go into the protocol's pool; the behaviour layer's depositors set the lock-up and fee.
    const pool = protocol && protocol.mechanism.kind === 'backstop' ? protocol.mechanism : null;
    const fl = scenario.behaviour.backstopFlight;
    agents.push(
      (strategy = new StrategyAgent({
        ...strategyRunConfig(scenario, loaded),
        bars,
        quietSizeBase: scenario.engine.quietSizeBase,
        maxCascadeRounds: scenario.engine.maxCascadeRounds,
        pool,
        depositsRefused: fl.enabled
          ? 'behaviour.backstopFlight is on: its depositors hold shares of the whole pool, so a strategy deposit would be claimed twice (not supported yet)'
          : '',
        lockupBars: fl.lockupBars,
        withdrawalFeePct: fl.withdrawalFeePct,
      })),
    );
  }
  const lpCfg = scenario.behaviour.liquidityProviders;
  const liquidityProviders = lpCfg.enabled ? new LiquidityProviders(lpCfg, seeds.rng('behaviour.liquidityProviders'), 'behaviour.liquidityProviders') : null;
  return {
    parts: { liquidity, market, agents, liquidityProviders, resting: strategy ? strategy.resting : null },
    report: {
      depth1PctQuote,
      depthCalibration: how,
      dealerOptions: specs.length,
      dealerNetQtyBase: netQty,
      protocol: protocol ? protocol.report : null,
      ...(chain !== undefined ? { surfaceChain: chain.report } : {}),
      warnings,
    },
    roles: { protocol: protocol ? protocol.agent : null, dealer, herding, flight: protocol ? protocol.flight : null, strategy },
  };
}

/**
 * Open interest past this many units of log-price at the calibrated depth
 * draws a warning: sold at once into the linear book it would take the
 * price below e^-1 = 37% of its start. The default scenario on its own path
 * sits at 0.12; a population sized for one market and run on bars of a
 * thinner one (the default's $60M of longs on a $73k-per-1% ETH file) sits
 * far above it, and the run's price then says more about the population's
 * size than about the crash.
 */
export const OPEN_INTEREST_REACH_WARN = 1;

/** The warning for open interest too large for the book's depth, or null. */
export function openInterestReachWarning(openInterestQuote: number, depth1PctQuote: number): string | null {
  const reach = openInterestQuote / (100 * depth1PctQuote);
  if (!(reach > OPEN_INTEREST_REACH_WARN)) return null;
  const floor = Math.exp(-reach);
  return (
    `open interest: $${shortQuote(openInterestQuote)} of accounts is ${reach.toPrecision(3)} units of log-price at this depth ` +
    `($${shortQuote(depth1PctQuote)} per 1%): sold at once it would take the price to ${floor >= 1e-4 ? `${(floor * 100).toPrecision(2)}%` : floor.toExponential(1)} of its start. ` +
    `The population is sized for a deeper market; scale protocol.population.totalNotionalQuote to this one (the default scenario on its own path: 0.12 units)`
  );
}

const chainFits = new Map<string, ChainSurfaceSeries>();

/**
 * The surfaces fitted to the scenario's option chain and the one in force
 * at each bar; what the fit left out goes into the build's warnings.
 */
function chainSchedule(scenario: Scenario, bars: BarSeries, baseDir: string, warnings: string[]): { schedule: SurfaceSchedule; report: SurfaceChainReport } {
  const c = scenario.surface.chain;
  if (c === undefined) throw new ConfigError('no option chain in the scenario', { field: 'surface.chain' });
  if (scenario.surface.flatVol !== undefined) {
    throw new ConfigError('surface.flatVol fixes one vol everywhere, and surface.chain calibrates the surface to quotes: set one of them', { field: 'surface.chain' });
  }
  const path = resolveDataPath(c.path, baseDir);
  const opts = { yearMs: optionYearMs(scenario), iv: c.iv, weights: c.weights, minExpiryMs: c.minExpiryDays * MS_PER_DAY, maxAgeMs: c.maxQuoteAgeMinutes * MS_PER_MINUTE, file: path };
  // The band's runs and a sweep's trials rebuild the parts with the same chain: fit it once per file version.
  const st = checkInputFile(path, { maxBytes: MAX_CHAIN_FILE_BYTES, label: 'option-chain file' });
  const key = JSON.stringify([path, st.size, st.mtimeMs, c.layout, c.everyMinutes, opts]);
  let series = chainFits.get(key);
  if (series === undefined) {
    series = fitChainSeries((onSnapshot) => forEachChainSnapshot((onRow) => readOptionChain(path, c.layout, onRow), c.everyMinutes * MS_PER_MINUTE, onSnapshot), opts);
    if (chainFits.size >= 8) chainFits.clear();
    chainFits.set(key, series);
  }
  if (series.fits.length === 0) {
    const why = series.skipped.length > 0 ? `: ${series.skipped[0].reason}` : '';
    throw new ConfigError(`no snapshot of the option chain could be calibrated${why}`, { field: 'surface.chain.path' });
  }
  const inForce = surfaceInForce(series.timesMs, bars.time);
  let first = 0;
  while (first < inForce.length && inForce[first] < 0) first++;
  if (first > 0) {
    warnings.push(`surface.chain: no calibrated snapshot at or before ${first === inForce.length ? 'any bar' : `bar ${first}`}; the surface section's own surface applies until then`);
  }
  if (series.skipped.length > 0) {
    warnings.push(`surface.chain: ${series.skipped.length} of ${series.skipped.length + series.fits.length} snapshots not calibrated (first at ${new Date(series.skipped[0].timeMs).toISOString()}: ${series.skipped[0].reason})`);
  }
  if (scenario.surface.dynamics === 'stress') {
    warnings.push("surface.chain with dynamics 'stress': the quoted surface already holds the historical crash, and the stress regime moves it again with the simulated drawdown; 'sticky-moneyness' keeps the quotes as they were");
  }
  const rmse = series.fits.map((f) => f.rmseVolPoints).sort((a, b) => a - b);
  const mid = rmse.length >> 1;
  return {
    schedule: { surfaces: series.fits.map((f) => f.surface), atmVol: Float64Array.from(series.fits, (f) => f.atmVol), inForce },
    report: {
      fits: series.fits.length,
      skipped: series.skipped.length,
      firstFit: new Date(series.fits[0].timeMs).toISOString(),
      lastFit: new Date(series.fits[series.fits.length - 1].timeMs).toISOString(),
      barsBeforeFirstFit: first,
      rmseVolPointsMedian: rmse.length % 2 === 1 ? rmse[mid] : 0.5 * (rmse[mid - 1] + rmse[mid]),
      rmseVolPointsMax: rmse[rmse.length - 1],
      quotesExcluded: { ...series.excluded },
    },
  };
}

/** Grouping options by expiry lets the surface reuse θ and φ across an expiry. */
function sortByExpiry(specs: readonly OptionSpec[]): OptionSpec[] {
  return specs
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.expiryMs - b.s.expiryMs || a.s.strike - b.s.strike || a.i - b.i)
    .map((x) => x.s);
}

/**
 * The base depth from the trailing volume at the run's first bar (`first` in
 * `history`, the warm-up and the run as one series): the trailing window
 * holds only bars before it, so no bar the depth applies to is read.
 * Per-bar depth (followVolume) uses bars before each bar only.
 */
function baseDepth(scenario: Scenario, history: BarSeries, first: number): { depth1PctQuote: number; depthRatio: Float64Array | null; how: string } {
  const d = scenario.market.depth;
  if (d.source === 'fixed') return { depth1PctQuote: d.depth1PctQuote, depthRatio: null, how: 'fixed (scenario)' };
  if (first === 0) {
    throw new ConfigError(
      'depth from volume needs bars before the run, and data.warmupBars is 0: set data.warmupBars > 0, or market.depth to {"source":"fixed","depth1PctQuote":...}',
      { field: 'data.warmupBars' },
    );
  }
  const windowMs = d.windowHours * MS_PER_HOUR;
  const perBar = calibrateDepth1PctQuote(history, { fractionOfHourlyQuoteVolume: d.fractionOfHourlyQuoteVolume, windowMs });
  const base = perBar[first];
  if (!(base > 0)) {
    throw new ConfigError('could not calibrate depth from volume (no volume in the warm-up): set market.depth to {"source":"fixed","depth1PctQuote":...}', {
      field: 'market.depth',
    });
  }
  let ratio: Float64Array | null = null;
  if (d.followVolume) {
    const n = history.length - first;
    ratio = new Float64Array(n);
    for (let i = 0; i < n; i++) ratio[i] = perBar[first + i] > 0 ? perBar[first + i] / base : 1;
  }
  const hours = (history.time[first] - history.time[Math.max(0, lowerBoundTime(history.time, history.time[first] - windowMs))]) / MS_PER_HOUR;
  return {
    depth1PctQuote: base,
    depthRatio: ratio,
    how: `${d.fractionOfHourlyQuoteVolume} x hourly quote volume over the ${hours.toPrecision(3)}h warm-up before the run${d.followVolume ? ', following volume bar by bar' : ''}`,
  };
}

function liquidityConfig(scenario: Scenario, history: BarSeries, first: number, depth1PctQuote: number, baseDir: string): LiquidityConfig {
  const l = scenario.market.liquidity;
  switch (l.kind) {
    case 'linear':
      return { ...l, depth1PctQuote };
    case 'sqrt': {
      let v = l.dailyVolumeBase;
      if (v === undefined) {
        // The trailing day at the run's first bar: warm-up bars only.
        v = first > 0 ? rollingDailyVolumeBase(history, MS_PER_DAY)[first] : Number.NaN;
        if (!(v > 0)) {
          throw new ConfigError('no volume before the run to set the daily volume of the square-root model: set data.warmupBars > 0 or market.liquidity.dailyVolumeBase', {
            field: 'market.liquidity.dailyVolumeBase',
          });
        }
      }
      return { ...l, dailyVolumeBase: v };
    }
    case 'book':
      return bookLiquidityConfig(l, depth1PctQuote, l.snapshot !== undefined ? resolveDataPath(l.snapshot, baseDir) : undefined);
  }
}

/**
 * The dealer's options: one block, or the blocks of a list held together.
 * Block k > 0 draws from its own stream, so adding a block never moves the
 * options of the blocks before it.
 */
function dealerInventory(scenario: Scenario, bars: BarSeries, baseDir: string, seeds: SeedTree): OptionSpec[] {
  const inv = scenario.dealer.inventory;
  if (!Array.isArray(inv)) return inventoryBlock(inv, bars, baseDir, seeds.rng('dealer.inventory'));
  return inv.flatMap((block, k) => inventoryBlock(block, bars, baseDir, seeds.rng(k === 0 ? 'dealer.inventory' : `dealer.inventory.${k}`)));
}

function inventoryBlock(inv: InventoryBlock, bars: BarSeries, baseDir: string, rng: Rng): OptionSpec[] {
  const start = { spot0: bars.close[0], startMs: bars.time[0] };
  switch (inv.kind) {
    case 'none':
      return [];
    case 'customer-crash-puts':
      return customerCrashPuts(inv, start, rng);
    case 'yield-vault-puts':
      return yieldVaultWeeklyPuts(inv, start);
    case 'log-uniform-strip':
      return logUniformStrip(
        {
          qtyPerStrike: inv.qtyPerStrike,
          strikeMin: inv.strikeMinRel * start.spot0,
          strikeMax: inv.strikeMaxRel * start.spot0,
          count: inv.count,
          tenorDays: inv.tenorDays,
          kind: inv.optionType,
          side: inv.side,
        },
        start,
      );
    case 'csv':
      return loadBookCsv(resolveDataPath(inv.path, baseDir), start.startMs, start.spot0);
    case 'chain':
      return bookFromChain(resolveDataPath(inv.path, baseDir), inv.layout, start.startMs, { side: inv.side, fraction: inv.fraction });
  }
}
