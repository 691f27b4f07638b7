import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../../src/core/time.js';
import { AsOfRing, createOracle, type Oracle, type OracleConfig } from '../../src/protocol/oracle.js';
import { oracleSchema } from '../../src/config/protocolSchema.js';
import { withDefaults } from '../config/defaults.js';

const BAR = MS_PER_MINUTE;

/** The schema's defaults for the oracle's kind under the fields a case sets (values not validated: bad ones reach createOracle). */
function oracle(over: Partial<OracleConfig> & Pick<OracleConfig, 'kind'>): OracleConfig {
  return withDefaults(oracleSchema, over);
}
const T0 = Date.UTC(2020, 2, 12);

/** Feeds one value per bar (plus optional same-time round values before it) and returns price() after each bar. */
function run(o: Oracle, mids: readonly number[], rounds: readonly number[][] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i < mids.length; i++) {
    for (const r of rounds[i] ?? []) o.update(T0 + i * BAR, r);
    o.update(T0 + i * BAR, mids[i]);
    out.push(o.price());
  }
  return out;
}

const CONFIGS: Array<{ name: string; cfg: OracleConfig }> = [
  { name: 'spot', cfg: oracle({ kind: 'spot' }) },
  { name: 'spot lag 3 bars', cfg: oracle({ kind: 'spot', latencyMs: 3 * BAR }) },
  { name: 'twap 10 bars', cfg: oracle({ kind: 'twap', windowMs: 10 * BAR }) },
  { name: 'twap 5 bars lag 2', cfg: oracle({ kind: 'twap', windowMs: 5 * BAR, latencyMs: 2 * BAR }) },
  { name: 'vol-adjusted', cfg: oracle({ kind: 'vol-adjusted', halfLifeMs: 2 * BAR, calmVolPerYear: 0.5, volHalfLifeMs: 30 * BAR }) },
  { name: 'vol-adjusted lag 1', cfg: oracle({ kind: 'vol-adjusted', halfLifeMs: 2 * BAR, calmVolPerYear: 0.5, volHalfLifeMs: 30 * BAR, latencyMs: BAR }) },
];

describe('spot oracle', () => {
  it('is the last mid given, including same-instant round updates', () => {
    const o = createOracle(oracle({ kind: 'spot' }), BAR);
    expect(o.price()).toBeNaN();
    o.update(T0, 100);
    o.update(T0, 97); // a cascade round moved the mid within the bar: the next round sees it
    expect(o.price()).toBe(97);
  });
});

describe('TWAP oracle', () => {
  it('moves linearly to a step over its window, starting one bar after the step', () => {
    // A step from 100 to 110 at bar 20 with a 10-bar window: the integral of
    // a piecewise-constant mid gains 10/10 per bar, so TWAP = 100 + (i − 20)
    // for bars 20..30, then stays at 110. Exact up to float rounding (1e-9).
    const W = 10;
    const mids = Array.from({ length: 40 }, (_, i) => (i < 20 ? 100 : 110));
    // Round values at the same instant must not count: they held for no time.
    const rounds = mids.map((_, i) => (i % 3 === 0 ? [50, 200] : []));
    const out = run(createOracle(oracle({ kind: 'twap', windowMs: W * BAR }), BAR), mids, rounds);
    for (let i = 12; i < 40; i++) {
      const want = i <= 20 ? 100 : i >= 30 ? 110 : 100 + (i - 20);
      expect(Math.abs(out[i] - want), `bar ${i}: twap ${out[i]} want ${want}`).toBeLessThan(1e-9);
    }
  });

  it('averages over the history it has before the window is full', () => {
    // Mids 100, 106, 94 at bars 0, 1, 2: at bar 2 the history is [0, 2 bars],
    // where 100 held one bar and 106 one bar: TWAP 103 (hand computed).
    const out = run(createOracle(oracle({ kind: 'twap', windowMs: 10 * BAR }), BAR), [100, 106, 94]);
    expect(out[0]).toBe(100); // first instant: nothing has held yet, so the mid itself
    expect(out[1]).toBeCloseTo(100, 12);
    expect(out[2]).toBeCloseTo(103, 12);
  });

  it('weights values by the time they held when bars are irregular', () => {
    // 100 for 1 bar, 120 for 3 bars (a data gap), window 4 bars: (100·1 + 120·3)/4 = 115.
    const o = createOracle(oracle({ kind: 'twap', windowMs: 4 * BAR }), BAR);
    o.update(T0, 100);
    o.update(T0 + BAR, 120);
    o.update(T0 + 4 * BAR, 80);
    expect(o.price()).toBeCloseTo(115, 12);
  });

  it('refuses a window ≤ 0', () => {
    expect(() => createOracle(oracle({ kind: 'twap', windowMs: 0 }), BAR)).toThrow(ConfigError);
  });
});

describe('latency', () => {
  it('delays spot by exactly the configured bars, earliest value before that', () => {
    const mids = [100, 101, 99, 95, 90, 92, 97];
    const k = 3;
    const out = run(createOracle(oracle({ kind: 'spot', latencyMs: k * BAR }), BAR), mids, mids.map((m) => [m * 1.5]));
    // Round values at a past instant are replaced by that bar's last value.
    for (let i = 0; i < mids.length; i++) expect(out[i], `bar ${i}`).toBe(mids[Math.max(0, i - k)]);
  });

  it('delays a TWAP by exactly the configured bars', () => {
    const mids = Array.from({ length: 30 }, (_, i) => 100 + 10 * Math.sin(i / 3));
    const plain = run(createOracle(oracle({ kind: 'twap', windowMs: 5 * BAR }), BAR), mids);
    const lagged = run(createOracle(oracle({ kind: 'twap', windowMs: 5 * BAR, latencyMs: 2 * BAR }), BAR), mids);
    for (let i = 0; i < mids.length; i++) expect(lagged[i], `bar ${i}`).toBe(plain[Math.max(0, i - 2)]);
  });

  it('refuses a negative latency', () => {
    expect(() => createOracle(oracle({ kind: 'spot', latencyMs: -1 }), BAR)).toThrow(ConfigError);
  });
});

describe('volatility-adjusted oracle', () => {
  const CFG = oracle({ kind: 'vol-adjusted', halfLifeMs: 2 * BAR, calmVolPerYear: 0.5, volHalfLifeMs: 30 * BAR });

  it('follows the documented recurrence on a hand-worked three-bar case', () => {
    // Reference: the recurrence in oracle.ts evaluated step by step here
    // with β = 1; tolerance 1e-12 relative (same operations, different order).
    const o = createOracle(CFG, BAR);
    const mids = [100, 98, 90];
    const got = run(o, mids);
    const dtY = BAR / MS_PER_YEAR;
    const lam = Math.pow(0.5, 1 / 30);
    let idx = 100;
    let v = 0.25;
    const want = [100];
    for (let i = 1; i < 3; i++) {
      const h = 2 * BAR * Math.max(1, Math.sqrt(v) / 0.5);
      idx += (1 - Math.pow(0.5, BAR / h)) * (mids[i] - idx);
      const r = Math.log(mids[i] / mids[i - 1]);
      v = lam * v + ((1 - lam) * r * r) / dtY;
      want.push(idx);
    }
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - want[i]), `bar ${i}`).toBeLessThan(1e-12 * want[i]);
  });

  it('moves less than spot after a vol spike than after calm, for the same final drop', () => {
    // Both histories end at 100; one swung ±5% per bar (vol far above 50%),
    // the other was flat. The same 10% drop then moves the index less after
    // the swings, because its half-life lengthened with σ/σ_calm.
    const calm = Array.from({ length: 30 }, () => 100);
    const wild = Array.from({ length: 30 }, (_, i) => (i === 29 ? 100 : i % 2 === 0 ? 105 : 95));
    const a = run(createOracle(CFG, BAR), [...calm, 90]);
    const b = run(createOracle(CFG, BAR), [...wild, 90]);
    const dropCalm = 100 - a[30];
    const dropWild = b[29] - b[30];
    expect(dropWild, `calm drop ${dropCalm}, wild drop ${dropWild}`).toBeLessThan(dropCalm / 2);
    expect(dropWild).toBeGreaterThan(0);
  });

  it('never lowers the index less for a deeper drop (monotone in the current mid)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 50, max: 150, noNaN: true }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: 1, max: 200, noNaN: true }),
        fc.double({ min: 1, max: 200, noNaN: true }),
        (hist, x, y) => {
          const lo = Math.min(x, y);
          const hi = Math.max(x, y);
          const p1 = run(createOracle(CFG, BAR), [...hist, lo]).at(-1) as number;
          const p2 = run(createOracle(CFG, BAR), [...hist, hi]).at(-1) as number;
          return p1 <= p2 + 1e-9 * p2;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('every oracle', () => {
  it('never looks ahead: changing future mids never changes past outputs', () => {
    for (const { name, cfg } of CONFIGS) {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 10, max: 1000, noNaN: true }), { minLength: 2, maxLength: 40 }),
          fc.array(fc.double({ min: 10, max: 1000, noNaN: true }), { minLength: 1, maxLength: 20 }),
          fc.nat(),
          (a, b, cut) => {
            const k = 1 + (cut % (a.length - 1));
            const x = run(createOracle(cfg, BAR), a);
            const y = run(createOracle(cfg, BAR), [...a.slice(0, k), ...b]);
            for (let i = 0; i < k; i++) if (x[i] !== y[i]) throw new Error(`${name}: bar ${i} differs (${x[i]} vs ${y[i]}), prefix ${k}`);
            return true;
          },
        ),
        { numRuns: 100 },
      );
    }
  });

  it('restores its state exactly (bar rollback)', () => {
    const mids = Array.from({ length: 60 }, (_, i) => 100 * Math.exp(0.03 * Math.sin(i) - 0.002 * i));
    for (const { name, cfg } of CONFIGS) {
      const o = createOracle(cfg, BAR);
      run(o, mids.slice(0, 30));
      const buf = new Float64Array(o.stateSize + 2);
      o.saveState(buf, 1);
      const first = mids.slice(30).map((m, j) => (o.update(T0 + (30 + j) * BAR, m), o.price()));
      o.loadState(buf, 1);
      const again = mids.slice(30).map((m, j) => (o.update(T0 + (30 + j) * BAR, m), o.price()));
      expect(again, name).toEqual(first);
    }
  });

  it('equals a constant mid when the mid is constant', () => {
    for (const { name, cfg } of CONFIGS) {
      const out = run(createOracle(cfg, BAR), Array.from({ length: 20 }, () => 123.5));
      for (const p of out) expect(Math.abs(p - 123.5), name).toBeLessThan(1e-12 * 123.5);
    }
  });
});

describe('AsOfRing', () => {
  it('refuses distinct times closer than the bar interval it was sized for', () => {
    // Capacity ceil(2 bars / 1 bar) + 2 = 4; six distinct instants one
    // second apart within the 2-bar lookback must overflow it.
    const r = new AsOfRing(2 * BAR, BAR);
    expect(() => {
      for (let j = 0; j < 6; j++) r.record(T0 + j * 1000, j);
    }).toThrow(/ring full/);
  });

  it('refuses time going backwards', () => {
    const r = new AsOfRing(BAR, BAR);
    r.record(T0 + BAR, 1);
    expect(() => r.record(T0, 2)).toThrow(/backwards/);
  });
});
