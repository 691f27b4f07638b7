import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { MS_PER_MINUTE, parseIsoUtc } from '../../src/core/time.js';
import { gasGweiAsOf, gasRowAsOf, loadGasSeries, parseGasSeries } from '../../src/protocol/gasSeries.js';
import { Keepers, keeperDelayMs, resolveKeeperConfig, type KeeperConfig, type KeeperGasConfig } from '../../src/protocol/keepers.js';
import { keeperGasSchema, keepersSchema } from '../../src/config/protocolSchema.js';
import { withDefaults } from '../config/defaults.js';

type KeeperOver = Omit<Partial<KeeperConfig>, 'gas'> & { gas?: Partial<KeeperGasConfig> };

/** The schema's keeper defaults under the fields a case sets (a gas block gets the schema's gas defaults under its own). */
function keeperConfig(over: KeeperOver): KeeperConfig {
  const { gas, ...rest } = over;
  return { ...withDefaults(keepersSchema, rest), ...(gas ? { gas: { ...withDefaults(keeperGasSchema, { path: 'gas.csv' }), ...gas } } : {}) };
}

const BAR = MS_PER_MINUTE;
const T0 = Date.UTC(2020, 2, 12);

/** A hand-made gas file in the stablesims layout: 10-minute rows, gwei given in wei. */
function gasCsv(p90Gwei: readonly number[], start = '2020-03-12T00:00:00Z'): string {
  const t0 = parseIsoUtc(start);
  const rows = p90Gwei.map((g, i) => {
    const w = g * 1e9;
    return `${new Date(t0 + i * 600_000).toISOString().replace('.000Z', 'Z')},100,${w / 2},${w / 4},${w / 2},${w},${w * 3}`;
  });
  return `timestamp,tx_count,avg_gas_wei,p30_gas_wei,p60_gas_wei,p90_gas_wei,max_gas_wei\n${rows.join('\n')}\n`;
}

describe('keeper delay', () => {
  it('matches the expected first arrival of k independent exponential keepers (α = 1)', () => {
    // Reference: the minimum of k i.i.d. Exp(mean L) is Exp(mean L/k).
    // Monte Carlo with the seeded Rng, 40k draws per k: the sample mean has a
    // standard error of (L/k)/200, so 4 standard errors = 2% relative.
    const L = 60_000;
    const rng = new Rng(7);
    for (const k of [1, 2, 5, 20]) {
      const c = resolveKeeperConfig(keeperConfig({ baseLatencyMs: L, keepers: k }));
      const N = 40_000;
      let sum = 0;
      for (let j = 0; j < N; j++) {
        let first = Number.POSITIVE_INFINITY;
        for (let q = 0; q < k; q++) first = Math.min(first, rng.exponential(1 / L));
        sum += first;
      }
      const mc = sum / N;
      const d = keeperDelayMs(c, Number.NaN, Number.NaN);
      expect(Math.abs(mc - d) / d, `k=${k}: formula ${d}, Monte Carlo ${mc}`).toBeLessThan(0.02);
    }
  });

  it('is never slower with more keepers, for any α, grace, gas and median', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 50 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 3600_000, noNaN: true }),
        fc.double({ min: 0.1, max: 3000, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (k, extra, alpha, base, grace, gas, gamma) => {
          const mk = (keepers: number) =>
            resolveKeeperConfig(keeperConfig({ baseLatencyMs: base, keepers, competitionExponent: alpha, gracePeriodMs: grace, gas: { gasCeilingGwei: 500, gasScaleExponent: gamma } }));
          const few = keeperDelayMs(mk(k), gas, 50);
          const many = keeperDelayMs(mk(k + extra), gas, 50);
          if (!(many <= few)) throw new Error(`k=${k}+${extra} α=${alpha} base=${base} grace=${grace} gas=${gas} γ=${gamma}: ${many} > ${few}`);
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stops keepers above the gas ceiling and scales the delay with gas/median below it', () => {
    const c = resolveKeeperConfig(keeperConfig({ baseLatencyMs: 60_000, keepers: 4, competitionExponent: 0.5, gracePeriodMs: 5_000, gas: { gasCeilingGwei: 250, gasScaleExponent: 0.5, maxGasScale: 3 } }));
    // 60 s / 4^0.5 = 30 s, plus 5 s grace.
    expect(keeperDelayMs(c, Number.NaN, Number.NaN)).toBe(35_000);
    expect(keeperDelayMs(c, 20, 40)).toBe(35_000); // gas below its median: no speed-up
    expect(keeperDelayMs(c, 160, 40)).toBe(5_000 + 30_000 * 2); // (160/40)^0.5 = 2
    expect(keeperDelayMs(c, 240, 10)).toBe(5_000 + 30_000 * 3); // (24)^0.5 ≈ 4.9 capped at 3
    expect(keeperDelayMs(c, 250, 40)).toBe(5_000 + 30_000 * 2.5); // at the ceiling keepers still act
    expect(keeperDelayMs(c, 250.01, 40)).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses bad configurations with the field named', () => {
    const bad: Array<[KeeperOver, string]> = [
      [{ baseLatencyMs: -1, keepers: 1 }, 'keepers.baseLatencyMs'],
      [{ baseLatencyMs: 0, keepers: 0 }, 'keepers.keepers'],
      [{ baseLatencyMs: 0, keepers: 1, gracePeriodMs: Number.POSITIVE_INFINITY }, 'keepers.gracePeriodMs'],
      [{ baseLatencyMs: 0, keepers: 1, gas: { gasCeilingGwei: 0 } }, 'keepers.gas.gasCeilingGwei'],
      [{ baseLatencyMs: 0, keepers: 1, gas: { maxGasScale: 0.5 } }, 'keepers.gas.maxGasScale'],
    ];
    for (const [cfg, field] of bad) {
      let err: unknown;
      try {
        resolveKeeperConfig(keeperConfig(cfg));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(cfg)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).location.field, JSON.stringify(cfg)).toBe(field);
    }
  });
});

describe('keeper trigger price', () => {
  /** Runs bars of oracle values; returns triggerPrice() after each bar. */
  function triggers(k: Keepers, oracles: readonly number[]): number[] {
    return oracles.map((p, i) => {
      k.beginBar(T0 + i * BAR);
      k.observe(T0 + i * BAR, p * 2); // a round value, replaced below by the bar's last
      k.observe(T0 + i * BAR, p);
      return k.triggerPrice();
    });
  }

  it('liquidates only accounts liquidatable at every bar of the delay (a literal story)', () => {
    // Oracle path and a 2-bar delay. An account with liquidation price 96 is
    // liquidatable (oracle < 96) at bars 2, 3, 4, so it is due at bar 4: the
    // trigger there is max(90, 95, 89) = 95 < 96. One at 94 recovered at
    // bar 3 (95 ≥ 94), so at bar 4 it is not due (95 > 94); at bar 6 the
    // window is bars 4..6 = 89, 88, 87 → trigger 89 < 94: due.
    const ORACLE = [100, 100, 90, 95, 89, 88, 87];
    const k = new Keepers(keeperConfig({ baseLatencyMs: 2 * BAR, keepers: 1 }), BAR);
    const t = triggers(k, ORACLE);
    expect(t.slice(0, 2)).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]); // history shorter than the delay
    expect(t.slice(2)).toEqual([100, 100, 95, 95, 89]);
    const due = (liq: number, bar: number) => liq > t[bar];
    expect(due(96, 3)).toBe(false);
    expect(due(96, 4)).toBe(true);
    expect(due(94, 4)).toBe(false);
    expect(due(94, 6)).toBe(true);
  });

  it('is the oracle itself with no delay', () => {
    const k = new Keepers(keeperConfig({ baseLatencyMs: 0, keepers: 1 }), BAR);
    expect(triggers(k, [100, 90, 95])).toEqual([100, 90, 95]);
  });

  it('equals a brute-force window maximum for random paths and delays', () => {
    // Reference: max of the bar-end oracle over bars [i − d, i] by a scan.
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        (path, d, keepers) => {
          const k = new Keepers(keeperConfig({ baseLatencyMs: d * keepers * BAR, keepers }), BAR);
          const t = triggers(k, path);
          for (let i = 0; i < path.length; i++) {
            const want = i < d ? Number.POSITIVE_INFINITY : Math.max(...path.slice(i - d, i + 1));
            if (t[i] !== want) throw new Error(`delay ${d} bars, bar ${i}: ${t[i]} vs ${want}; path ${JSON.stringify(path)}`);
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('restores its state exactly (bar rollback)', () => {
    const path = Array.from({ length: 40 }, (_, i) => 100 + 10 * Math.sin(i / 2));
    const gas = parseGasSeries(gasCsv([50, 60, 400, 80, 90]), 'fixture.csv');
    const k = new Keepers(keeperConfig({ baseLatencyMs: 3 * BAR, keepers: 1, gas: { gasCeilingGwei: 300, gasScaleExponent: 1 } }), BAR, gas);
    triggers(k, path.slice(0, 20));
    const buf = new Float64Array(k.stateSize);
    k.saveState(buf, 0);
    const tail = path.slice(20);
    const step = (p: number, j: number) => {
      k.beginBar(T0 + (20 + j) * BAR);
      k.observe(T0 + (20 + j) * BAR, p);
      return [k.triggerPrice(), k.delayMs()];
    };
    const a = tail.map(step);
    k.loadState(buf, 0);
    expect(tail.map(step)).toEqual(a);
  });
});

describe('keeper willingness', () => {
  it('liquidates only when the reward beats gas units × gwei × ETH price', () => {
    // 500k gas at 100 gwei with ETH at 200 quote: 5e5 · 100e-9 · 200 = 10 quote.
    const gas = parseGasSeries(gasCsv([100, 100, 100]), 'fixture.csv');
    const k = new Keepers(keeperConfig({ baseLatencyMs: 0, keepers: 1, gas: { gasUnitsPerLiquidation: 500_000, ethPriceQuote: 200 } }), BAR, gas);
    k.beginBar(T0 + 15 * MS_PER_MINUTE); // row 00:00 is visible from 00:10
    expect(k.gasGwei()).toBe(100);
    expect(k.willing(9.99)).toBe(false);
    expect(k.willing(10.01)).toBe(true);
    expect(k.willing(10.01, 2000)).toBe(false); // ETH at 2000: cost 100
  });

  it('needs an ETH price when it checks gas cost', () => {
    const gas = parseGasSeries(gasCsv([100, 100]), 'fixture.csv');
    const k = new Keepers(keeperConfig({ baseLatencyMs: 0, keepers: 1, gas: { gasUnitsPerLiquidation: 1 } }), BAR, gas);
    k.beginBar(T0 + 15 * MS_PER_MINUTE);
    expect(() => k.willing(1)).toThrow(/ETH price/);
  });
});

describe('gas series (fixture)', () => {
  it('reads gwei, and a row is visible only after its 10-minute bucket closes', () => {
    const s = parseGasSeries(gasCsv([10, 20, 30, 40]), 'fixture.csv');
    expect(s.intervalMs).toBe(600_000);
    expect(Array.from(s.gwei.p90)).toEqual([10, 20, 30, 40]);
    expect(gasGweiAsOf(s, 'p90', T0 + 9 * MS_PER_MINUTE)).toBeNaN(); // bucket 00:00 still open
    expect(gasGweiAsOf(s, 'p90', T0 + 10 * MS_PER_MINUTE)).toBe(10);
    expect(gasGweiAsOf(s, 'p90', T0 + 29 * MS_PER_MINUTE)).toBe(20);
    expect(gasGweiAsOf(s, 'p90', T0 + 40 * MS_PER_MINUTE)).toBe(40);
    // Last row visible from 00:40; stale (NaN) beyond 3 intervals after that.
    expect(gasGweiAsOf(s, 'p90', T0 + 70 * MS_PER_MINUTE)).toBe(40);
    expect(gasGweiAsOf(s, 'p90', T0 + 71 * MS_PER_MINUTE)).toBeNaN();
    // Trailing median of 10, 20, 30 (rows 0..2): 20; of all four: 25.
    expect(s.trailingMedianGwei.p90[2]).toBe(20);
    expect(s.trailingMedianGwei.p90[3]).toBe(25);
  });

  it('never answers from the future: the as-of row is always at least one bucket old', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 2, maxLength: 30 }), fc.integer({ min: 0, max: 400 }), (g, minute) => {
        const s = parseGasSeries(gasCsv(g.map((x) => Math.round(x))), 'fixture.csv');
        const t = T0 + minute * MS_PER_MINUTE;
        const i = gasRowAsOf(s, t);
        return i < 0 || s.time[i] + s.intervalMs <= t;
      }),
      { numRuns: 200 },
    );
  });

  const HEADER = 'timestamp,tx_count,avg_gas_wei,p30_gas_wei,p60_gas_wei,p90_gas_wei,max_gas_wei';
  const BAD: Array<{ why: string; text: string; line: number; field?: string; reason: RegExp }> = [
    {
      why: 'a column is missing (p90)',
      text: 'timestamp,tx_count,avg_gas_wei,p30_gas_wei,p60_gas_wei,max_gas_wei\n2020-03-12T00:00:00Z,1,1,1,1,1\n2020-03-12T00:10:00Z,1,1,1,1,1\n',
      line: 1, field: 'p90_gas_wei', reason: /missing column/,
    },
    {
      why: 'a negative gas price',
      text: `${HEADER}\n2020-03-12T00:00:00Z,1,1,1,1,1,1\n2020-03-12T00:10:00Z,1,-5,1,1,1,1\n`,
      line: 3, field: 'avg_gas_wei', reason: /≥ 0/,
    },
    {
      why: 'quantiles out of order (columns shifted)',
      text: `${HEADER}\n2020-03-12T00:00:00Z,1,1,1,1,1,1\n2020-03-12T00:10:00Z,1,1,9,1,1,1\n`,
      line: 3, field: 'p90_gas_wei', reason: /out of order/,
    },
    {
      why: 'unsorted timestamps',
      text: `${HEADER}\n2020-03-12T00:10:00Z,1,1,1,1,1,1\n2020-03-12T00:00:00Z,1,1,1,1,1,1\n`,
      line: 3, field: 'timestamp', reason: /unsorted/,
    },
    {
      why: 'a fractional transaction count',
      text: `${HEADER}\n2020-03-12T00:00:00Z,1.5,1,1,1,1,1\n2020-03-12T00:10:00Z,1,1,1,1,1,1\n`,
      line: 2, field: 'tx_count', reason: /whole number/,
    },
    {
      why: 'a single row (no interval)',
      text: `${HEADER}\n2020-03-12T00:00:00Z,1,1,1,1,1,1\n`,
      line: 1, reason: /at least 2 rows/,
    },
  ];
  for (const c of BAD) {
    it(`refuses a file with ${c.why}, naming line and field`, () => {
      let err: unknown;
      try {
        parseGasSeries(c.text, 'bad.csv');
      } catch (e) {
        err = e;
      }
      expect(err, c.why).toBeInstanceOf(DataError);
      const e = err as DataError;
      expect(e.location.file, c.why).toBe('bad.csv');
      expect(e.location.line, `${c.why}: ${e.message}`).toBe(c.line);
      if (c.field) expect(e.location.field, `${c.why}: ${e.message}`).toBe(c.field);
      expect(e.reason, c.why).toMatch(c.reason);
    });
  }
});

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const GAS_FILE = 'defi/ethereum_gas_price_10m_2020-03-12.csv';

describe.skipIf(!DATA_DIR)(`real gas file (${DATA_DIR ? GAS_FILE : 'SKIPPED: CASCADE_DATA_DIR is not set; set it to the folder holding the gas files'})`, () => {
  const at = (iso: string) => parseIsoUtc(iso);

  it('has p90 reaching 300 gwei on Black Thursday (PROVENANCE.md section 4)', () => {
    const s = loadGasSeries(join(DATA_DIR as string, GAS_FILE));
    expect(s.length).toBe(144);
    expect(s.intervalMs).toBe(600_000);
    let max = 0;
    let when = 0;
    for (let i = 0; i < s.length; i++) if (s.gwei.p90[i] > max) ((max = s.gwei.p90[i]), (when = s.time[i]));
    // Read off the file: the first 300-gwei bucket starts 14:30 UTC (again at 15:50).
    expect(max).toBe(300);
    expect(when).toBe(at('2020-03-12T14:30:00Z'));
  });

  it('stops keepers in the bars after the 300-gwei bucket and slows them around it', () => {
    const s = loadGasSeries(join(DATA_DIR as string, GAS_FILE));
    // Ceiling 290 gwei: only the 300-gwei buckets (14:30 and 15:50) exceed it.
    // Each is visible for the ten minutes after it closes: 14:40–14:49 and 16:00–16:09.
    const k = new Keepers(keeperConfig({ baseLatencyMs: 60_000, keepers: 1, gas: { field: 'p90', gasCeilingGwei: 290, gasScaleExponent: 1, maxGasScale: 20 } }), BAR, s);
    const delay = (iso: string) => (k.beginBar(at(iso)), k.delayMs());
    expect(delay('2020-03-12T14:39:00Z')).toBeLessThan(Number.POSITIVE_INFINITY); // the 14:20 bucket (225 gwei)
    expect(delay('2020-03-12T14:40:00Z')).toBe(Number.POSITIVE_INFINITY);
    expect(delay('2020-03-12T14:49:00Z')).toBe(Number.POSITIVE_INFINITY);
    expect(delay('2020-03-12T14:50:00Z')).toBeLessThan(Number.POSITIVE_INFINITY); // the 14:40 bucket (200.5 gwei)
    expect(delay('2020-03-12T16:05:00Z')).toBe(Number.POSITIVE_INFINITY);
    // Below the ceiling the delay scales with gas / trailing 6-hour median:
    // longer in the afternoon spike than in the quiet early hours.
    const quiet = delay('2020-03-12T03:00:00Z');
    const spike = delay('2020-03-12T14:39:00Z');
    expect(spike, `quiet ${quiet} ms, spike ${spike} ms`).toBeGreaterThan(1.5 * quiet);
  });
});
