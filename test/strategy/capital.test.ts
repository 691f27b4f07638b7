import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FIXTURES, columnSum, defaultScenarioRaw, runScenario } from './helpers.js';

/** Rows of a small CSV as objects keyed by the header. */
function csvRows(path: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}

describe('capital, leverage and maintenance', () => {
  it('an order beyond the capital is rejected, and the orders log says so with the reason', async () => {
    const out = mkdtempSync(join(tmpdir(), 'strategy-capital-'));
    // 10 BTC at about 8,600 is 86,000 quote; the strategy has 1,000.
    const code = await main([
      'run', 'default', '--quiet', '--no-band', '--out', out, '--strategy', join(FIXTURES, 'market-once.ts'),
      '--set', 'strategy.capitalQuote=1000', '--set', 'strategy.params.sizeBase=10',
    ]);
    expect(code).toBe(0);
    const orders = csvRows(join(out, 'strategy_orders.csv'));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ bar: '10', kind: 'market', size: '10', status: 'rejected' });
    expect(orders[0].reason).toMatch(/exceeds 1 x equity 1000.00 quote/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.strategy.simulated.rejectedOrders).toBe(1);
    expect(summary.strategy.naive.rejectedOrders).toBe(1);
    expect(summary.strategy.simulated.fills).toBe(0);
    // The trades file gains its owner column, and the strategy sent nothing.
    const trades = readFileSync(join(out, 'trades.csv'), 'utf8');
    expect(trades.split('\n')[0]).toBe('timestamp,bar,round,cause,side,size,price,mid_before,mid_after,cost,owner');
    expect(trades).not.toMatch(/,strategy\n/);
  });

  it('a leveraged long under maintenance is liquidated into the same book, visible in trades.csv', async () => {
    const out = mkdtempSync(join(tmpdir(), 'strategy-liq-'));
    // 4.5x equity long at bar 10 (about 8,600): the path's 50% fall takes equity under 5% of the position.
    const sizeBase = (4.5 * 100_000) / 8600;
    const code = await main([
      'run', 'default', '--quiet', '--no-band', '--out', out, '--strategy', join(FIXTURES, 'market-once.ts'),
      '--set', 'strategy.capitalQuote=100000', '--set', 'strategy.maxLeverage=5', '--set', `strategy.params.sizeBase=${sizeBase}`,
    ]);
    expect(code).toBe(0);
    const trades = csvRows(join(out, 'trades.csv')).filter((r) => r.owner === 'strategy');
    expect(trades.map((r) => [r.cause, r.side])).toEqual([
      ['strategy', 'buy'],
      ['liquidation', 'sell'],
    ]);
    expect(Number(trades[1].size)).toBeCloseTo(sizeBase, 9);
    const orders = csvRows(join(out, 'strategy_orders.csv'));
    expect(orders.filter((r) => r.kind === 'liquidation').map((r) => r.status)).toEqual(['accepted', 'filled']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.strategy.simulated.liquidations).toBe(1);
    // Liquidated with equity left between 0 and 5% of the position (the book's impact may take it lower, never to a profit).
    expect(summary.strategy.simulated.finalEquityQuote).toBeLessThan(0.05 * 4.5 * 100_000);
    expect(summary.strategy.naive.liquidations).toBe(1);
  });

  it('nothing is created or destroyed: the ledger stays conserved every bar while buy-the-fear trades and rests bids', async () => {
    let worstCash = 0;
    let worstAsset = 0;
    let gross = 0;
    const { result } = await runScenario({ ...defaultScenarioRaw(), strategy: { path: 'buy-the-fear' } }, undefined, undefined, {
      onBarEnd: (_bar, ledger) => {
        worstCash = Math.max(worstCash, Math.abs(ledger.cashImbalance()));
        worstAsset = Math.max(worstAsset, Math.abs(ledger.assetImbalance()));
        for (let p = 0; p < ledger.cash.length; p++) gross = Math.max(gross, Math.abs(ledger.cash[p]), Math.abs(ledger.asset[p]));
      },
    });
    const s = result.figures.strategy as { simulated: { fills: number } };
    const info = JSON.stringify({ worstCash, worstAsset, gross });
    expect(s.simulated.fills, info).toBeGreaterThan(10);
    // Rounding only, as the engine's own conservation test: 1e-12 of the largest balance.
    expect(worstCash, info).toBeLessThanOrEqual(1e-12 * gross);
    expect(worstAsset, info).toBeLessThanOrEqual(1e-12 * gross);
  });

  it('a resting bid under the market during the cascade makes it smaller: fewer later-round liquidations', async () => {
    const base = defaultScenarioRaw();
    const without = await runScenario(base);
    // A deep-pocketed bid 1% under the mid from round 0 of every bar.
    const withBid = await runScenario({ ...base, strategy: { path: join(FIXTURES, 'resting-bid.ts'), capitalQuote: 1e9, params: { sizeBase: 200, offsetBps: 100 } } });
    const later0 = columnSum(without.result, 'liquidations_later_rounds');
    const later1 = columnSum(withBid.result, 'liquidations_later_rounds');
    const info = JSON.stringify({ later0, later1, dd0: without.result.figures.simulatedMaxDrawdown, dd1: withBid.result.figures.simulatedMaxDrawdown });
    expect(later0, info).toBeGreaterThan(1000);
    expect(later1, info).toBeLessThan(later0 * 0.8);
    expect(withBid.result.figures.simulatedMaxDrawdown, info).toBeLessThan(without.result.figures.simulatedMaxDrawdown);
    // The bid was really hit inside the rounds, by others' flow.
    expect((withBid.result.figures.strategy as { simulated: { fills: number } }).simulated.fills, info).toBeGreaterThan(10);
  });
});
