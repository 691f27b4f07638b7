import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { syntheticPathForCrash } from '../../src/data/synthetic/forCrash.js';
import { Simulation } from '../../src/engine/run.js';
import { timeseriesToCsv, tradesToCsv } from '../../src/report/timeseriesCsv.js';
import { buildEngineParts } from '../../src/runner/build.js';
import { testScenario, runData } from '../engine/helpers.js';

/**
 * The one snapshot contract, run against every Saveable in src: inside a
 * real Simulation, save, step K bars, restore, save again and step on. At
 * every bar the state buffer of each component (and the Simulation's whole
 * snapshot) must be bit for bit (Object.is on every slot) what it is in a
 * twin run that never tried a bar, right after the restore as well as
 * before the try, and the run's outputs must be byte for byte the twin's.
 * A failure names the class, where it sits in the run, the bar and the slot.
 *
 * REGISTRY lists every class of src that implements saveState or declares
 * its state (describeState); the test scans src and fails, naming the class,
 * when one is missing, and fails when a listed class is built by none of
 * the scenarios below.
 */

/** Bars each try runs ahead before it is rolled back. */
const K = 3;

/**
 * How each class is exercised. 'refuses': its state is a user's JavaScript
 * object that cannot be copied into a buffer (a strategy), so it refuses a
 * restore, and test/strategy/rollback.test.ts pins that refusal instead.
 */
const REGISTRY: Record<string, 'run' | 'driver' | 'block' | 'refuses'> = {
  // The driver: its whole snapshot is compared at every bar.
  Simulation: 'driver',
  // Building blocks of every component's state (src/sim/stateBlock.ts): covered through all of them.
  Stateful: 'block',
  ScalarBlock: 'block',
  ArrayBlock: 'block',
  StateList: 'block',
  // Found in a run and compared one by one.
  Ledger: 'run',
  RealisedVol: 'run',
  MarketStateModel: 'run',
  SurfaceDynamics: 'run',
  SsviSurface: 'run',
  LinearImpactModel: 'run',
  SqrtImpactModel: 'run',
  OrderBookModel: 'run',
  DealerAgent: 'run',
  OptionBook: 'run',
  ProtocolAgent: 'run',
  SpotOracle: 'run',
  TwapOracle: 'run',
  VolAdjustedOracle: 'run',
  LaggedOracle: 'run',
  AsOfRing: 'run',
  Keepers: 'run',
  CircuitBreaker: 'run',
  ContagionBond: 'run',
  DynamicThreshold: 'run',
  MarginFloor: 'run',
  SolvencyTest: 'run',
  InsuranceFund: 'run',
  PerpVenue: 'run',
  ShortBook: 'run',
  LotBook: 'run',
  DirectMechanism: 'run',
  DirectSeller: 'run',
  DutchAuctionMechanism: 'run',
  BidderPool: 'run',
  BackstopPoolMechanism: 'run',
  BackstopFlight: 'run',
  Deleveraging: 'run',
  LiquidityProviders: 'run',
  HerdingAgent: 'run',
  StrategyAgent: 'refuses',
};

const SRC = join(import.meta.dirname, '../../src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Classes of src whose body defines saveState or describeState, with their file. */
function implementers(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of tsFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const starts = [...text.matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm)];
    starts.forEach((m, k) => {
      const body = text.slice(m.index, k + 1 < starts.length ? starts[k + 1].index : text.length);
      if (/^ {2}(?:(?:private|protected|public|override) )*(?:saveState|describeState)\(/m.test(body)) found.set(m[1], relative(SRC, file));
    });
  }
  return found;
}

/**
 * Saveables held as scratch, not state: each is rewritten in full before it
 * is read (the owner's docs say so), so a tried bar may leave it different.
 * Keyed by the owner's class and the field.
 */
const SCRATCH = new Set(['DealerAgent.staging']);

interface Part {
  readonly path: string;
  readonly name: string;
  readonly capture: () => Float64Array;
}

/**
 * Every Saveable reachable from the Simulation's fields, with a path. The
 * protocol agent's own save commits its journal, so it is compared through
 * the whole snapshot (and its parts one by one), not saved on its own.
 */
function saveables(sim: Simulation): Part[] {
  const out: Part[] = [];
  const seen = new Set<object>();
  const walk = (x: unknown, path: string, owner: string | null, field: string): void => {
    if (x === null || typeof x !== 'object' || seen.has(x) || ArrayBuffer.isView(x)) return;
    seen.add(x);
    if (owner !== null && SCRATCH.has(`${owner}.${field}`)) return;
    const o = x as Record<string, unknown> & { saveState?: unknown; stateSize?: unknown; maxStateSize?: () => number };
    if (x !== sim && typeof o.saveState === 'function') {
      const name = x.constructor.name;
      const s = x as { saveState(buf: Float64Array, offset?: number): unknown; stateSize: number };
      if (name === 'OptionBook') {
        out.push({ path, name, capture: () => { const b = new Float64Array((o.maxStateSize as () => number).call(x)); s.saveState(b); return b; } });
      } else if (name !== 'ProtocolAgent') {
        out.push({ path, name, capture: () => { const b = new Float64Array(s.stateSize); s.saveState(b, 0); return b; } });
      } else {
        out.push({ path, name, capture: () => new Float64Array(0) });
      }
    }
    const keys = Array.isArray(x) ? x.map((_, i) => String(i)) : Object.keys(x);
    // A WebAssembly instance's exports object has no prototype, hence no constructor.
    const ownerName = (x as { constructor?: { name: string } }).constructor?.name ?? 'Object';
    for (const k of keys) walk(o[k], `${path}.${k}`, ownerName, k);
  };
  walk(sim, 'sim', null, '');
  return out;
}

/** First slot where two buffers differ (Object.is), or -1. */
function firstDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) return j;
  return -1;
}

function snapshotOf(sim: Simulation): Float64Array {
  sim.save();
  return (sim as unknown as { snapshot: Float64Array }).snapshot.slice();
}

const bars = syntheticPathForCrash('btc-2020-03-12', { seed: 4, barMinutes: 60 }).series;
const ACCOUNTS = { kind: 'generated', count: 2000, totalNotionalQuote: 60_000_000 } as const;
const DEFENCES: NonNullable<ScenarioInput['protocol']>['defences'] = {
  dynamicThreshold: { kind: 'vol-scaled', calmVolPerYear: 0.5, slope: 0.05, minMultiplier: 0.9, maxTightenPerBar: 0.01 },
  circuitBreaker: { kind: 'velocity', action: 'throttle', limitQuotePerMin: 5_000, throttleQuotePerBar: 60_000, cooldownMs: 600_000, marginMultiplier: 0.98 },
  marginFloor: { kind: 'implied-vol', k: 80, horizonMs: 600_000 },
  solvencyTest: { everyBars: 3, shocks: [0.05, 0.2], penaltyStepBps: 50, maxPenaltyBps: 900, relaxStepBps: 10 },
};

const SCENARIOS: Array<[string, Partial<ScenarioInput>]> = [
  ['L2 book, dealer, direct sales, spot oracle, every defence', {
    market: { liquidity: { kind: 'book' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, tenorsDays: [7, 30] } },
    protocol: { enabled: true, population: ACCOUNTS, insuranceFundQuote: 1e6, defences: DEFENCES },
  }],
  ['square root, lazy dealer, Dutch auctions with bidders, vol-adjusted oracle one bar late, keeper delay', {
    market: { liquidity: { kind: 'sqrt' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 800 }, revaluation: { mode: 'when-moved' } },
    protocol: {
      enabled: true,
      population: ACCOUNTS,
      oracle: { kind: 'vol-adjusted', halfLifeMs: 3_600_000, latencyMs: 3_600_000 },
      keepers: { baseLatencyMs: 3_600_000 },
      liquidation: { mechanism: 'dutch' },
      defences: DEFENCES,
    },
  }],
  ['linear, backstop pool, TWAP oracle, capital flight, deleveraging, liquidity providers, herding, contagion bond into the pool', {
    market: { liquidity: { kind: 'linear' } },
    protocol: {
      enabled: true,
      population: ACCOUNTS,
      oracle: { kind: 'twap', windowMs: 7_200_000 },
      liquidation: { mechanism: { kind: 'backstop', initialCapitalQuote: 5e6, resaleFractionPerBar: 0.1 } },
      // Pays into the pool when the drawdown reaches 10%, inside the run.
      defences: { contagionBond: { trigger: { index: 'drawdown', level: 0.1 }, notionalQuote: 2e6, couponPerYear: 0.2, payoutTo: 'backstopPool' } },
    },
    behaviour: {
      backstopFlight: { enabled: true, lockupBars: 3 },
      deleveraging: { enabled: true },
      liquidityProviders: { enabled: true },
      herding: { enabled: true, holdingsBase: 2000 },
    },
  }],
  ['L2 book, perp venue with shorts, hourly premium funding, auto-deleveraging with no insurance fund', {
    market: { liquidity: { kind: 'book' } },
    protocol: {
      enabled: true,
      population: ACCOUNTS,
      insuranceFundQuote: 0,
      perp: { fundingIntervalHours: 1, shorts: { count: 50 } },
    },
  }],
];

function simulation(over: Partial<ScenarioInput>): Simulation {
  const scenario = testScenario(over);
  const data = runData(scenario, bars);
  return new Simulation(scenario, data, buildEngineParts(scenario, data, process.cwd()).parts);
}

/** Fails naming the part whose state differs from the twin's, or the snapshot slot when no part alone shows it. */
function expectSameState(what: string, bar: number, tried: Simulation, twin: Simulation, triedParts: Part[], twinParts: Part[]): void {
  for (let p = 0; p < twinParts.length; p++) {
    const a = twinParts[p].capture();
    const b = triedParts[p].capture();
    const j = firstDiff(a, b);
    if (j >= 0) {
      expect.fail(`${twinParts[p].name} (${twinParts[p].path}) ${what} at bar ${bar}: slot ${j} is ${b[j]}, ${a[j]} in the run that never tried a bar`);
    }
  }
  const a = snapshotOf(twin);
  const b = snapshotOf(tried);
  const j = firstDiff(a, b);
  if (j >= 0) expect.fail(`Simulation snapshot ${what} at bar ${bar}: slot ${j} is ${b[j]}, ${a[j]} in the run that never tried a bar (the loop's scalars or the protocol agent's own)`);
}

describe('snapshot contract: every Saveable', () => {
  it('every class of src that saves state is in the registry', () => {
    const missing = [...implementers()].filter(([name]) => !(name in REGISTRY)).map(([name, file]) => `${name} (src/${file})`);
    expect(missing, `add these to REGISTRY in ${relative(process.cwd(), import.meta.filename)} and drive them in a scenario`).toEqual([]);
    const gone = Object.keys(REGISTRY).filter((name) => !implementers().has(name));
    expect(gone, 'REGISTRY names classes that no longer save state').toEqual([]);
  });

  for (const [name, over] of SCENARIOS) {
    it(`${name}: save, step ${K} bars, restore, step again gives the twin's state at every bar and its outputs`, () => {
      const twin = simulation(over);
      const tried = simulation(over);
      const twinParts = saveables(twin);
      const triedParts = saveables(tried);
      expect(triedParts.map((p) => p.path)).toEqual(twinParts.map((p) => p.path));
      while (twin.nextBar < twin.barCount) {
        const bar = twin.nextBar;
        expectSameState('before the try', bar, tried, twin, triedParts, twinParts);
        for (let k = 0; k < K && tried.nextBar < tried.barCount; k++) tried.step();
        tried.restore();
        expect(tried.nextBar).toBe(bar);
        expectSameState('after the restore', bar, tried, twin, triedParts, twinParts);
        tried.step();
        twin.step();
      }
      const a = twin.result();
      const b = tried.result();
      expect(tradesToCsv(b.trades) === tradesToCsv(a.trades), 'trades.csv differs').toBe(true);
      expect(timeseriesToCsv(b.recorder) === timeseriesToCsv(a.recorder), 'timeseries.csv differs').toBe(true);
      expect(Array.from(b.ledger.cash)).toEqual(Array.from(a.ledger.cash));
      expect(Array.from(b.ledger.asset)).toEqual(Array.from(a.ledger.asset));
    });
  }

  it('the scenarios build every registered class', () => {
    const built = new Set(SCENARIOS.flatMap(([, over]) => saveables(simulation(over)).map((p) => p.name)));
    const unbuilt = Object.entries(REGISTRY).filter(([name, how]) => how === 'run' && !built.has(name)).map(([name]) => name);
    expect(unbuilt, 'classes no scenario builds: add a scenario that does').toEqual([]);
  });
});
