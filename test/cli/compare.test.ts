import { Command } from 'commander';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerCompareCommand } from '../../src/cli/commands/compare.js';
import { ConfigError } from '../../src/core/errors.js';
import { applyOverrides, validateScenario } from '../../src/config/load.js';
import { resolveTarget } from '../../src/config/resolveTarget.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { COMPARE_METRICS } from '../../src/sweep/compare.js';

/** A program with only the compare command (main.ts wires it for users). */
async function compare(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerCompareCommand(program);
  await program.parseAsync(['compare', ...args], { from: 'user' });
}

describe('cascade compare', () => {
  it('--vary dealer.hedge.kind=none,every-bar on the default scenario: header, rows, no hedging = no amplification, byte-identical reruns', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'cmp-a-')), mkdtempSync(join(tmpdir(), 'cmp-b-'))];
    // The protocol is switched off so that 'none' leaves nothing that trades.
    for (const d of dirs) await compare(['default', '--quiet', '--set', 'protocol.enabled=false', '--vary', 'dealer.hedge.kind=none,every-bar', '--out', d]);
    expect(readdirSync(dirs[0]).sort()).toEqual(['compare.csv', 'compare.html', 'compare.json']);
    for (const f of ['compare.csv', 'compare.json']) {
      expect(readFileSync(join(dirs[0], f)).equals(readFileSync(join(dirs[1], f))), f).toBe(true);
    }
    const lines = readFileSync(join(dirs[0], 'compare.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(`dealer.hedge.kind,${COMPARE_METRICS.join(',')}`);
    expect(lines.length).toBe(3);
    const col = (name: string): number => lines[0].split(',').indexOf(name);
    const none = lines[1].split(',');
    const hedged = lines[2].split(',');
    expect(none[0]).toBe('none');
    expect(hedged[0]).toBe('every-bar');
    // With no hedging and no protocol nothing trades, so the path is the history: amplification exactly 1.
    expect(none[col('amplification')]).toBe('1');
    // The default dealer is short crash puts and hedges into the fall: it must amplify.
    expect(Number(hedged[col('amplification')])).toBeGreaterThan(1);
    // No protocol in this run: its figures are empty fields, not zeros.
    expect(none[col('badDebt')]).toBe('');
    const doc = JSON.parse(readFileSync(join(dirs[0], 'compare.json'), 'utf8'));
    expect(doc.rows).toHaveLength(2);
    expect(doc.rows[0].figures.amplification).toBe(1);
    expect(doc.rows[0].set).toEqual(['dealer.hedge.kind="none"']);
    expect(doc.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.seed).toBe(1);
    expect(doc.rows[0].configHash).not.toBe(doc.rows[1].configHash);

    // The second variant ran after the first in the same process: it must give
    // exactly what it gives alone (no state leaks between variants).
    const target = resolveTarget('default');
    const alone = validateScenario(applyOverrides(target.raw, ['protocol.enabled=false', 'dealer.hedge.kind=every-bar']), target.file);
    const result = runBacktest(alone, prepareRunData(alone, target.baseDir).data, target.baseDir);
    expect(doc.rows[1].figures.amplification).toBe(result.figures.amplification);
    expect(doc.rows[1].figures.dealerPnl).toBe((result.figures.dealerPnl as { total: number }).total);
  });

  it('needs at least one --vary', async () => {
    await expect(compare(['default'])).rejects.toThrow(ConfigError);
  });

  it('--vary protocol.liquidation.mechanism=direct,dutch,backstop compares the three mechanisms on one path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmp-mech-'));
    await compare(['default', '--quiet', '--vary', 'protocol.liquidation.mechanism=direct,dutch,backstop', '--out', dir]);
    const lines = readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 2)).toEqual(['protocol.liquidation.mechanism', 'badDebt']);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['direct', 'dutch', 'backstop']);
    const col = (name: string) => header.indexOf(name);
    for (const r of rows) {
      // Every variant liquidated and reports its figures (none empty).
      expect(Number(r[col('liquidationCount')]), lines.join('\n')).toBeGreaterThan(0);
      for (const m of ['badDebt', 'insuranceFundUsed', 'peakMlr', 'peakLiquidationBranchingRatio']) expect(r[col(m)], m).not.toBe('');
    }
  });
});
