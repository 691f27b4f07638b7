import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/capture.js';
import { INFERRED_SHOCK_COLUMNS } from '../../src/report/writeReplay.js';

/** A short step crash (a 15% drop at bar 60) with a dealer and a perp ladder in a fixed-depth book: a replay in about a second. */
const SCENARIO = {
  name: 'replay-cli',
  seed: 3,
  data: { bars: { source: 'step-shock', bars: 160, barMinutes: 15, stepAtBar: 60, stepLogSize: -0.15, volPerYear: 0.6 } },
  market: { depth: { source: 'fixed', depth1PctQuote: 2_000_000 } },
  dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 300 }, hedge: { kind: 'every-bar' } },
  protocol: { enabled: true, population: { kind: 'generated', count: 2000, totalNotionalQuote: 20_000_000 }, insuranceFundQuote: 200_000 },
};

describe('cascade replay', () => {
  it('writes the folder, prints the table, and the files agree with each other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(SCENARIO));
    const out = join(dir, 'out');
    const r = await cli(['replay', file, '--design-set', 'no ladder: protocol.enabled=false', '--design-set', 'dealer.inventory={"kind":"none"}', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['configs.json', 'inferred_shocks.csv', 'replay.csv', 'replay.html', 'replay.json']);
    for (const name of ['historical', 'as inferred', 'no ladder', 'dealer.inventory={"kind":"none"}']) expect(r.out).toContain(name);
    // A parametric path is no catalog crash's: no standing line.
    expect(r.out).not.toContain('path: seed');
    const doc = JSON.parse(readFileSync(join(out, 'replay.json'), 'utf8')) as { designs: Array<{ name: string; figures: Record<string, number> }>; historical: { low: number } };
    expect(doc.designs.map((d) => d.name)).toEqual(['as inferred', 'no ladder', 'dealer.inventory={"kind":"none"}']);
    const shocks = readFileSync(join(out, 'inferred_shocks.csv'), 'utf8').trimEnd().split('\n');
    expect(shocks[0]).toBe(`timestamp,${INFERRED_SHOCK_COLUMNS.join(',')}`);
    expect(shocks.length).toBe(161);
    const paths = readFileSync(join(out, 'replay.csv'), 'utf8').trimEnd().split('\n');
    expect(paths[0]).toBe('timestamp,historical_close,exogenous_reference,close:as inferred,close:no ladder,"close:dealer.inventory={""kind"":""none""}"');
    // The table's low is the lowest close of the design's column in replay.csv (written independently).
    const col = paths.slice(1).map((l) => Number(l.split(',')[4]));
    expect(doc.designs[1].figures.low).toBe(Math.min(...col));
    // Each row's parts by cause add up to its endogenous return.
    const h = shocks[0].split(',');
    for (const line of shocks.slice(1)) {
      const v = line.split(',').map(Number);
      const at = (name: string): number => v[h.indexOf(name)];
      const parts = at('endogenous_hedge') + at('endogenous_liquidation') + at('endogenous_other') + at('endogenous_recovery');
      expect(parts).toBeCloseTo(at('endogenous_return'), 12);
    }
    const html = readFileSync(join(out, 'replay.html'), 'utf8');
    expect(html).toContain('id="replay-table"');
    expect(html).toContain('data-design="no ladder"');
    // No protocol: its liquidations and bad debt are absent (null, a dash on the page), not NaN.
    expect(doc.designs[1].figures.liquidations).toBeNull();
    expect(html).not.toContain('>NaN<');
    // `cascade report` rebuilds replay.html from replay.json, byte for byte; a replay.json it cannot read is named in one line.
    const rebuilt = await cli(['report', out]);
    expect(rebuilt.code, rebuilt.err).toBe(0);
    expect(readFileSync(join(out, 'replay.html'), 'utf8') === html).toBe(true);
    writeFileSync(join(out, 'replay.json'), JSON.stringify({ designs: [] }));
    const broken = await cli(['report', out]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/replay\.json: no 'historical' figures/);
  }, 60_000);

  it('refuses a run with no design, naming the options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(SCENARIO));
    const r = await cli(['replay', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--design/);
  });
});
