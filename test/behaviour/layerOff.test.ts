import { beforeAll, describe, expect, it } from 'vitest';
import { scenarioHash, validateScenario } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { resolveTarget } from '../../src/config/resolveTarget.js';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { PARTY } from '../../src/sim/ledger.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { timeseriesToCsv, tradesToCsv } from '../../src/report/timeseriesCsv.js';

/**
 * The behavioural layer switched off changes nothing (behaviourSchema.ts: "a
 * scenario without this section gives byte-identical outputs to the run
 * without the layer"). The default scenario (a dealer short crash puts and a
 * 20,000-account perp venue on the synthetic 12 March 2020 path) is run
 *   - with the behaviour section omitted,
 *   - with every behaviour present, `enabled: false`, and every other
 *     parameter set away from its default (a lock-up of 50 bars, thresholds
 *     that would fire at once, depth that would all leave, ...), so a
 *     disabled block that still leaked one setting into the run would show,
 * and the CSVs and figures must match byte for byte. A disabled backstop
 * flight is also run on the same scenario with the backstop-pool mechanism,
 * the one mechanism it acts through.
 *
 * Non-vacuity: the disabled settings are really in the validated scenario
 * (its hash differs), and with deleveraging switched on the columns and
 * figures this file says are absent do appear.
 */

/** Column prefixes and names only the behaviours declare (protocolAgent.ts, backstopFlight.ts, run.ts, herding.ts). */
const BEHAVIOUR_COLUMN = /^(deleverage_|backstop_flight_|lp_depth_factor$|herding_)/;
/** Figures only a run with a behaviour on reports (backtest.ts). */
const BEHAVIOUR_FIGURES = ['paradoxIndex', 'paradox', 'herdingStylized'];

type Behaviour = NonNullable<ScenarioInput['behaviour']>;

/** Every behaviour present and disabled, each with non-default settings that would matter if it ran. */
const ALL_DISABLED: Behaviour = {
  herding: { enabled: false, holdingsBase: 1e6, groups: 3, thresholds: { kind: 'fixed', drawdowns: [0.001] }, sellFraction: 1, intraBar: true },
  deleveraging: {
    enabled: false,
    classes: 2,
    activeShare: 1,
    bufferFraction: { kind: 'fixed', value: 0.5 },
    targetBufferMultiple: 3,
    panicBufferShare: 1,
    drawdownThreshold: { kind: 'fixed', value: 0.001 },
  },
  liquidityProviders: { enabled: false, groupCount: 4, mobileDepthShare: 0.9, drawdownThreshold: { median: 0.001 }, withdrawalElasticity: 5, recoveryHalfLifeMs: 60_000 },
  backstopFlight: {
    enabled: false,
    depositorCount: 7,
    lockupBars: 50,
    withdrawalFeePct: 5,
    claimBasis: 'committed',
    thresholds: { drawdown: { kind: 'fixed', value: 0.001 }, volRatio: { kind: 'fixed', value: 0.5 } },
  },
};

const POOL_MECHANISM = { kind: 'backstop' as const, initialCapitalQuote: 2e6, discountPct: 5 };

interface Outputs {
  timeseries: string;
  trades: string;
  figures: string;
  columns: string[];
  figureNames: string[];
  hash: string;
  depositorsCash: number;
  holdersAsset: number;
}

const target = resolveTarget('default');

function withMechanism(raw: Record<string, unknown>, mechanism: unknown): Record<string, unknown> {
  const protocol = raw.protocol as Record<string, unknown>;
  const liquidation = protocol.liquidation as Record<string, unknown>;
  return { ...raw, protocol: { ...protocol, liquidation: { ...liquidation, mechanism } } };
}

function run(raw: Record<string, unknown>): Outputs {
  const scenario = validateScenario(raw, target.file);
  const prepared = prepareRunData(scenario, target.baseDir);
  const r = runBacktest(scenario, prepared.data, target.baseDir);
  return {
    timeseries: timeseriesToCsv(r.recorder),
    trades: tradesToCsv(r.trades),
    figures: JSON.stringify(r.figures),
    columns: [...r.recorder.names()],
    figureNames: Object.keys(r.figures),
    hash: scenarioHash(scenario),
    depositorsCash: r.ledger.cash[PARTY.backstopDepositors],
    holdersAsset: r.ledger.asset[PARTY.holders],
  };
}

/** Names of the first differing line (CSV) so a failure says where, not just "differs". */
function firstDiff(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return `line ${i}: ${la[i]?.slice(0, 200)} | ${lb[i]?.slice(0, 200)}`;
  return 'identical';
}

describe('with every behaviour off, the default scenario gives byte-identical outputs', () => {
  let omitted: Outputs;
  let disabled: Outputs;
  let poolOmitted: Outputs;
  let poolDisabled: Outputs;
  let delevOn: Outputs;
  beforeAll(() => {
    expect(target.raw.behaviour, 'the bundled default scenario has no behaviour section').toBeUndefined();
    omitted = run(target.raw);
    disabled = run({ ...target.raw, behaviour: ALL_DISABLED });
    poolOmitted = run(withMechanism(target.raw, POOL_MECHANISM));
    poolDisabled = run({ ...withMechanism(target.raw, POOL_MECHANISM), behaviour: { backstopFlight: ALL_DISABLED.backstopFlight } });
    delevOn = run({ ...target.raw, behaviour: { deleveraging: { enabled: true } } });
  });

  it('the disabled settings are really in the scenario: an omitted section and an empty one validate alike, the disabled one does not', () => {
    const a = validateScenario(target.raw, target.file);
    const b = validateScenario({ ...target.raw, behaviour: {} }, target.file);
    expect(b.behaviour).toEqual(a.behaviour);
    const c = validateScenario({ ...target.raw, behaviour: ALL_DISABLED }, target.file);
    expect(c.behaviour.backstopFlight.lockupBars).toBe(50);
    expect(c.behaviour.deleveraging.bufferFraction).toEqual({ kind: 'fixed', value: 0.5 });
    expect(disabled.hash, 'different settings, different scenario hash').not.toBe(omitted.hash);
    expect(poolDisabled.hash).not.toBe(poolOmitted.hash);
  });

  it('timeseries.csv, trades.csv and the figures are identical (direct sale)', () => {
    expect(omitted.timeseries === disabled.timeseries, `timeseries.csv: ${firstDiff(omitted.timeseries, disabled.timeseries)}`).toBe(true);
    expect(omitted.trades === disabled.trades, `trades.csv: ${firstDiff(omitted.trades, disabled.trades)}`).toBe(true);
    expect(disabled.figures).toBe(omitted.figures);
    // Not an empty run: the dealer hedges and the venue liquidates.
    const f = JSON.parse(omitted.figures) as Record<string, number>;
    expect(f.liquidationCount, omitted.figures.slice(0, 400)).toBeGreaterThan(0);
    expect(omitted.trades.split('\n').length, 'trades').toBeGreaterThan(100);
  });

  it('identical with the backstop pool too (a disabled flight leaves the pool\'s withdrawn capital in the pool party)', () => {
    expect(poolOmitted.timeseries === poolDisabled.timeseries, `timeseries.csv: ${firstDiff(poolOmitted.timeseries, poolDisabled.timeseries)}`).toBe(true);
    expect(poolOmitted.trades === poolDisabled.trades, `trades.csv: ${firstDiff(poolOmitted.trades, poolDisabled.trades)}`).toBe(true);
    expect(poolDisabled.figures).toBe(poolOmitted.figures);
    expect(poolOmitted.columns, 'the pool mechanism ran').toContain('backstop_absorbed_quote');
  });

  it('no behaviour columns, no behaviour figures, nothing in the behaviours\' ledger parties', () => {
    for (const [name, o] of [['omitted', omitted], ['disabled', disabled], ['pool omitted', poolOmitted], ['pool disabled', poolDisabled]] as const) {
      const cols = o.columns.filter((c) => BEHAVIOUR_COLUMN.test(c));
      expect(cols, `${name}: behaviour columns ${cols.join(',')}`).toEqual([]);
      const header = o.timeseries.slice(0, o.timeseries.indexOf('\n')).split(',');
      expect(header.filter((c) => BEHAVIOUR_COLUMN.test(c)), `${name}: CSV header`).toEqual([]);
      const figs = o.figureNames.filter((n) => BEHAVIOUR_FIGURES.includes(n));
      expect(figs, `${name}: behaviour figures ${figs.join(',')}`).toEqual([]);
      expect(o.depositorsCash, `${name}: backstopDepositors cash`).toBe(0);
      expect(o.holdersAsset, `${name}: holders asset`).toBe(0);
    }
  });

  it('positive control: with deleveraging on, its columns and the paradox figures appear (the checks above can fail)', () => {
    expect(delevOn.columns.filter((c) => BEHAVIOUR_COLUMN.test(c))).toEqual(['deleverage_units', 'deleverage_accounts', 'deleverage_quote']);
    expect(delevOn.figureNames).toContain('paradoxIndex');
    expect(delevOn.figureNames).toContain('paradox');
    expect(delevOn.timeseries === omitted.timeseries).toBe(false);
  });
});

describe('configuration of the layer', () => {
  // Regression: flight without the pool once validated and then died at bar 0
  // with a TypeError; the scenario schema now refuses it with a located error.
  it('backstop flight without the backstop pool is refused with a ConfigError', () => {
    const raw = { ...target.raw, behaviour: { backstopFlight: { enabled: true } } };
    expect(() => {
      const scenario = validateScenario(raw, target.file);
      const prepared = prepareRunData(scenario, target.baseDir);
      runBacktest(scenario, prepared.data, target.baseDir);
    }).toThrow(ConfigError);
  });
});
