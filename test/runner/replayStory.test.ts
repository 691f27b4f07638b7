import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { runReplay } from '../../src/runner/replay.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const FILE = 'crypto_ohlc/btcusdt_binance_spot_1h_2020-03-12.csv';

/**
 * Black Thursday, real Binance BTCUSDT hourly bars: the shocks are inferred
 * with a dealer short 1,500 BTC of crash puts and a perp venue of 20,000
 * leveraged longs ($60M open interest) in the market, then replayed with the
 * ladder removed and with a liquidation circuit breaker.
 */
describe.skipIf(!DATA_DIR)(`story: 12 March 2020 replayed under other designs (${DATA_DIR ? FILE : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  const raw = {
    name: 'black-thursday',
    seed: 1,
    data: { bars: { source: 'file', path: join(DATA_DIR ?? '', FILE) } },
    market: { liquidity: { kind: 'book' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500 }, hedge: { kind: 'every-bar' } },
    protocol: {
      enabled: true,
      population: { kind: 'generated', count: 20_000, totalNotionalQuote: 60_000_000 },
      insuranceFundQuote: 1_000_000,
      liquidation: { mechanism: { kind: 'direct' } },
    },
  };
  // Pauses liquidations for an hour once they run above $20k a minute (time-weighted, 10-minute half-life).
  const BREAKER = { kind: 'velocity', action: 'pause', limitQuotePerMin: 20_000, cooldownMs: 3_600_000 };

  it('without the ladder the low is above the historical one; the circuit breaker, pinned, makes it deeper', () => {
    const base = validateScenario(raw);
    const noLadder = validateScenario({ ...raw, protocol: { ...raw.protocol, enabled: false } });
    const breaker = validateScenario({ ...raw, protocol: { ...raw.protocol, defences: { circuitBreaker: BREAKER } } });
    const data = prepareRunData(base, process.cwd()).data;
    const r = runReplay(base, data, process.cwd(), [
      { name: 'no ladder', scenario: noLadder, baseDir: process.cwd() },
      { name: 'circuit breaker', scenario: breaker, baseDir: process.cwd() },
    ]);
    const [asInferred, without, withBreaker] = r.rows;
    const info = JSON.stringify({ historicalLow: r.historicalLow, rows: r.rows.map((row) => ({ name: row.name, ...row.figures })) });
    console.log(`12 March 2020 replay: historical low ${r.historicalLow}; ${r.rows.map((row) => `${row.name}: low ${row.figures.low.toFixed(2)}, de-amplification ${row.figures.deAmplification.toFixed(3)}, liquidations ${row.figures.liquidations}, bad debt ${row.figures.badDebt.toFixed(0)}`).join('; ')}`);
    // The ladder's forced selling was part of the market that made the history: take it away and the same
    // exogenous shocks reach a shallower low.
    // As inferred, the run is the history: at the low too, to the gap the solver recorded where it could not
    // hit a close (a liquidation cascade makes the close jump in the shock there; the bar is flagged). Measured:
    // the low's bar is flagged with a gap of 1.9e-4 (4,131.41 against 4,130.64).
    let low = 0;
    const sim = asInferred.result.columns.loop.simulated_close;
    for (let i = 1; i < sim.length; i++) if (sim[i] < sim[low]) low = i;
    const allowed = r.shocks.flagged[low] !== 0 ? r.shocks.gap[low] : 1e-9;
    expect(Math.abs(asInferred.figures.low / r.historicalLow - 1), info).toBeLessThanOrEqual(Math.abs(allowed) + 1e-12);
    expect(Math.abs(allowed), info).toBeLessThan(1e-3);
    expect(without.figures.low, info).toBeGreaterThan(r.historicalLow);
    expect(without.figures.deAmplification, info).toBeLessThan(1);
    // Pinned counterexample to "a defence never deepens the crash". Measured on the book with free round
    // trips removed (the breaker tripping in 11 hours, first on 8 March 15:00, then through the 12 March
    // fall): the accounts held back during each hour's pause are sold when it lifts, at a lower price and by
    // then more of them (48,186 liquidations before 12 March 22:00 against 41,634 without it), the low 3,576
    // against the historical 4,131, with 18% more bad debt. On the book whose mid is the touches' midpoint:
    // low 3,290, 53,543 liquidations against 50,901, bad debt 0.56M against 0.25M. A pause defers forced
    // selling; it does not remove it.
    expect(withBreaker.figures.low, info).toBeLessThan(r.historicalLow);
    expect(withBreaker.figures.badDebt, info).toBeGreaterThan(asInferred.figures.badDebt);
  }, 120_000);
});
