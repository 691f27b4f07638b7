import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { defaultScenarioRaw, runScenario } from '../helpers.js';

/** Rows of a small CSV as objects keyed by the header (no quoted commas in these files). */
function csvRows(path: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}

async function run(args: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'strategy-options-'));
  const code = await main(['run', 'default', '--quiet', '--no-band', '--out', out, ...args]);
  expect(code).toBe(0);
  return out;
}

describe('option orders inside the crash (default scenario, synthetic BTC 12 March 2020 path)', () => {
  it('a short-put seller with too little capital is liquidated in the crash and its later sales are refused: both in the orders log and trades.csv', async () => {
    // Bar 0: S = 8572.1, 10 puts at K = 7500 (10 × max(0.15 S − (S − K), 0.1 S) + premium ≈ 10 × (857 + 59) ≈ 9,160 of
    // initial margin) fit in 10,000. The path then falls 50%: the puts go deep in the money and equity drops under
    // maintenance (7.5% of S plus the mark, per put) long before expiry.
    const out = await run([
      '--strategy', 'delta-hedged-market-maker', '--set', 'strategy.capitalQuote=10000', '--set', 'strategy.maxLeverage=5',
    ]);
    const orders = csvRows(join(out, 'strategy_orders.csv'));
    const options = orders.filter((r) => r.kind === 'option');
    expect(options[0]).toMatchObject({ bar: '0', size: '-10', status: 'filled' });
    expect(options[0].reason).toMatch(/^put K=7500 exp=2020-03-13/);
    const buyBack = orders.find((r) => r.kind === 'liquidation' && /options bought back under maintenance margin/.test(r.reason));
    expect(buyBack, JSON.stringify(orders.slice(0, 5))).toBeDefined();
    expect(buyBack).toMatchObject({ size: '10', status: 'filled' });
    // Bought back well above what it was sold for: the put is in the money.
    expect(Number(buyBack!.price)).toBeGreaterThan(3 * Number(options[0].price));
    const later = options.filter((r) => Number(r.bar) >= Number(buyBack!.bar) && r.status === 'rejected');
    expect(later.length).toBeGreaterThan(0);
    expect(later[0].reason).toMatch(/equity would not cover the initial margin/);
    // Its hedge (short spot) is bought back into the same book, cause liquidation, in trades.csv.
    const trades = csvRows(join(out, 'trades.csv')).filter((r) => r.owner === 'strategy' && r.cause === 'liquidation');
    expect(trades.length).toBeGreaterThan(0);
    expect(trades[0].bar).toBe(buyBack!.bar);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const sim = summary.strategy.simulated;
    expect(sim.options.liquidations).toBeGreaterThanOrEqual(1);
    expect(sim.options.rejected).toBe(later.length + options.filter((r) => Number(r.bar) < Number(buyBack!.bar) && r.status === 'rejected').length);
    // Liquidated below its capital: equity at the buy-back bar is under the 10,000 it started with. Not the final
    // equity: after the buy-back it goes on hedging with spot alone, and on the book whose mid is the touches'
    // midpoint its short spot gains in the rest of the fall (12,751 at the end; it was 9,456 at the buy-back).
    const ts = csvRows(join(out, 'timeseries.csv'));
    expect(Number(ts[Number(buyBack!.bar)].strategy_equity)).toBeLessThan(10_000);
    // The naive twin trades the same options at the flat-vol mid: no spread paid.
    expect(summary.strategy.naive.options.filled).toBeGreaterThan(0);
    expect(summary.strategy.naive.options.executionCostQuote).toBe(0);
  });

  it('a short-volatility book does not print a free-money curve: it loses in the crash', async () => {
    const { result } = await runScenario({
      ...defaultScenarioRaw(),
      strategy: { path: 'delta-hedged-market-maker', capitalQuote: 1_000_000, maxLeverage: 3, params: { putQtyBase: 50 } },
    });
    const equity = result.recorder.get('strategy_equity');
    const mid = result.recorder.get('simulated_close');
    let trough = 0;
    for (let i = 1; i < mid.length; i++) if (mid[i] < mid[trough]) trough = i;
    let peakBefore = 0;
    for (let i = 0; i < trough; i++) peakBefore = Math.max(peakBefore, equity[i]);
    const info = JSON.stringify({ trough, peakBefore, atTrough: equity[trough], final: equity[equity.length - 1] });
    // Premium earned while calm is given back, and more, by the bottom of the crash.
    expect(equity[trough], info).toBeLessThan(1_000_000);
    expect(equity[trough], info).toBeLessThan(peakBefore - 20_000);
    const s = (result.figures.strategy as { simulated: { returnFraction: number; options: { pnl: { gamma: number } } } }).simulated;
    expect(s.returnFraction, info).toBeLessThan(0);
    // Short gamma: re-hedging into the fall loses.
    expect(s.options.pnl.gamma, info).toBeLessThan(0);
  });
});

describe('backstop deposits inside the crash', () => {
  it('a provider earns the pool\'s discount and pays for the falling knife: its stake ends below its deposit', async () => {
    const out = await run(['--strategy', 'backstop-provider', '--set', 'protocol.liquidation.mechanism=backstop']);
    const orders = csvRows(join(out, 'strategy_orders.csv'));
    expect(orders[0]).toMatchObject({ bar: '0', kind: 'depositBackstop', size: '900000', status: 'filled' });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = summary.strategy.simulated.backstop;
    expect(b.depositedQuote).toBe(900_000);
    // The pool bought collateral at 10% under the oracle all the way down a 70% fall.
    expect(summary.backstopAbsorbedBase ?? 1).toBeGreaterThan(0);
    expect(b.finalStakeQuote).toBeLessThan(900_000);
    expect(summary.strategy.simulated.finalEquityQuote).toBeCloseTo(100_000 + b.finalStakeQuote, 3);
    // The naive twin has no pool: its deposit is refused, once.
    expect(summary.strategy.naive.rejectedOrders).toBe(1);
  });

  it('deposits are refused, with the reason, without a pool and while the behaviour layer\'s depositors are modelled', async () => {
    const none = await run(['--strategy', 'backstop-provider']);
    const a = csvRows(join(none, 'strategy_orders.csv'));
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ kind: 'depositBackstop', status: 'rejected' });
    expect(a[0].reason).toMatch(/no backstop pool/);
    const flight = await run([
      '--strategy', 'backstop-provider', '--set', 'protocol.liquidation.mechanism=backstop', '--set', 'behaviour.backstopFlight.enabled=true',
    ]);
    const b = csvRows(join(flight, 'strategy_orders.csv'));
    expect(b[0]).toMatchObject({ kind: 'depositBackstop', status: 'rejected' });
    expect(b[0].reason).toMatch(/backstopFlight is on/);
  });
});
