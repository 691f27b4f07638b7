import { summaryUnits } from '../../docs/summaryTable.js';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_UNITS } from '../../../src/report/html/units.js';
import { cli } from '../../cli/capture.js';

/**
 * The run report of the default scenario (dealer and protocol, band on):
 * every number the summary table shows equals summary.json, the critical
 * banner names the first bar where the summed branching ratio (recomputed
 * here from timeseries.csv) reaches 1, `cascade report` rebuilds the same
 * bytes, and two identical runs differ only in the wall-time line.
 */

function summaryCells(html: string): Map<string, { value: string; shown: string }> {
  const cells = new Map<string, { value: string; shown: string }>();
  const table = html.slice(html.indexOf('id="summary-table"'));
  for (const m of table.matchAll(/<td class="num" data-field="([^"]+)" data-value="([^"]+)">([^<]*)<\/td>/g)) cells.set(m[1], { value: m[2], shown: m[3] });
  return cells;
}

function numericLeaves(obj: Record<string, unknown>, prefix = ''): Array<[string, number]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, number]> => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') return [[key, v]];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return numericLeaves(v as Record<string, unknown>, key);
    return [];
  });
}

describe('run report (default scenario)', () => {
  let dir = '';
  let html = '';
  let summary: Record<string, unknown> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rep-'));
    expect((await cli(['run', 'default', '--quiet', '--out', dir])).code).toBe(0);
    html = readFileSync(join(dir, 'report.html'), 'utf8');
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  }, 120_000);

  it('every number of summary.json is shown, equal to it (exact in data-value, 6 significant digits on screen)', () => {
    const cells = summaryCells(html);
    const leaves = numericLeaves(summary);
    expect(leaves.length).toBeGreaterThan(60);
    for (const [field, value] of leaves) {
      const cell = cells.get(field);
      expect(cell, field).toBeDefined();
      expect(Number(cell!.value), field).toBe(value);
      const shown = Number(cell!.shown);
      expect(Math.abs(shown - value), `${field}: shown ${cell!.shown}, summary ${value}`).toBeLessThanOrEqual(Math.abs(value) * 5e-6);
    }
    for (const key of ['configHash', 'dataSha256', 'scenarioName', 'firstBar', 'lastBar'] as const) expect(html).toContain(String(summary[key]));
    expect(html).toMatch(/SYNTHETIC path/);
  });

  it('every unit shown comes from docs/model.md "Summary figures", and the two tables agree', () => {
    const docs = summaryUnits();
    expect(Object.fromEntries(docs)).toEqual({ ...SUMMARY_UNITS });
    expect(html).toMatch(/<td>amplification<\/td><td class="num"[^>]*>[^<]*<\/td><td>ratio<\/td>/);
  });

  it('the critical banner names the first bar where liquidation + gamma branching ratios reach 1', () => {
    const lines = readFileSync(join(dir, 'timeseries.csv'), 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const [a, b] = [head.indexOf('liquidation_branching_ratio'), head.indexOf('gamma_branching_ratio')];
    const first = lines.slice(1).findIndex((l) => {
      const c = l.split(',');
      return Number(c[a]) + Number(c[b]) >= 1;
    });
    expect(first).toBeGreaterThan(0);
    const when = lines[first + 1].slice(0, 16).replace('T', ' ');
    expect(html).toContain(`Critical point crossed at ${when} UTC, bar ${first} `);
  });

  it('`cascade report` rebuilds the same bytes; only the wall-time line depends on timing.json', async () => {
    const r = await cli(['report', dir]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(html);
    const timing = JSON.parse(readFileSync(join(dir, 'timing.json'), 'utf8'));
    writeFileSync(join(dir, 'timing.json'), JSON.stringify({ ...timing, wallTimeMs: 123456 }));
    expect((await cli(['report', dir])).code).toBe(0);
    const rebuilt = readFileSync(join(dir, 'report.html'), 'utf8');
    const diff = rebuilt.split('\n').filter((l, i) => l !== html.split('\n')[i]);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toContain('123.46 s (timing.json)');
  });

  it('a folder that is not a run is refused in one line', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rep-empty-'));
    const r = await cli(['report', empty]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/summary\.json is missing/);
    rmSync(empty, { recursive: true });
  });

  it('size: well under 2 MB for 1,344 bars', () => {
    expect(statSync(join(dir, 'report.html')).size).toBeLessThan(2 * 1024 * 1024);
  });
});

describe("the build's warnings", () => {
  it('stand at the top of the page, one banner each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-warn-'));
    // The default population ($60M of open interest) on a $50k-per-1% book: 12 units of log-price.
    expect((await cli(['run', 'default', '--quiet', '--no-band', '--set', 'market.depth={"source":"fixed","depth1PctQuote":50000}', '--out', dir])).code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { warnings?: string[] };
    expect(summary.warnings?.length).toBe(1);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    const at = page.indexOf('<div class="warning" id="warning-0">WARNING: open interest: $60.00M of accounts is 12.0 units');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(page.indexOf('<h2'));
    expect(page).not.toContain('id="warning-1"');
  }, 120_000);

  it('a run without warnings has no warning banner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-nowarn-'));
    expect((await cli(['run', 'default', '--quiet', '--no-band', '--out', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).not.toContain('class="warning"');
  }, 120_000);
});

describe('the band with a strategy', () => {
  it("the page's band row gives the strategy's return range, as summary.json has it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-sband-'));
    const bars = '{"source":"gbm","bars":400,"volPerYear":1.2,"startPrice":8000,"barMinutes":15}';
    expect((await cli(['run', 'default', '--quiet', '--strategy', 'buy-the-fear', '--set', `data.bars=${bars}`, '--out', dir])).code).toBe(0);
    const r = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { band: { strategyReturn: { low: number; high: number } } }).band.strategyReturn;
    expect(r.low).toBeLessThanOrEqual(r.high);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(`, strategy return ${(r.low * 100).toFixed(2)}% to ${(r.high * 100).toFixed(2)}%`);
    // The band's table: a row per input, widest amplification swing first, each figure summary.json's.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const inputs = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { band: { inputs: Record<string, { amplificationSwing: number; low: { amplification: number }; high: { amplification: number } }> } }).band.inputs;
    const order = [...html.matchAll(/<tr data-input="([^"]+)">/g)].map((m) => m[1]);
    expect(order).toEqual(Object.entries(inputs).sort((a, b) => b[1].amplificationSwing - a[1].amplificationSwing).map(([k]) => k));
    for (const [name, v] of Object.entries(inputs)) {
      const row = html.slice(html.indexOf(`<tr data-input="${name}">`), html.indexOf('</tr>', html.indexOf(`<tr data-input="${name}">`)));
      expect(row).toContain(`data-value="${v.low.amplification}"`);
      expect(row).toContain(`data-value="${v.high.amplification}"`);
      expect(row).toContain(`data-value="${v.amplificationSwing}"`);
    }
  }, 120_000);
});

describe('the page written by run equals the one rebuilt from the files', () => {
  it('gzipped CSVs (--gzip): `cascade report` reads them back to the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-gz-'));
    expect((await cli(['run', 'default', '--quiet', '--no-band', '--gzip', '--out', dir])).code).toBe(0);
    const written = readFileSync(join(dir, 'report.html'), 'utf8');
    expect((await cli(['report', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8') === written).toBe(true);
  });

  it('a strategy run (trades.csv gains its text column owner): `cascade report` reads it back to the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-strat-'));
    const bars = '{"source":"gbm","bars":300,"volPerYear":1.2,"startPrice":8000,"barMinutes":15}';
    expect((await cli(['run', 'default', '--quiet', '--no-band', '--strategy', 'buy-the-fear', '--set', `data.bars=${bars}`, '--out', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'trades.csv'), 'utf8').split('\n')[0]).toMatch(/,owner$/);
    const written = readFileSync(join(dir, 'report.html'), 'utf8');
    const r = await cli(['report', dir]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8') === written).toBe(true);
    // The statistics table puts the naive twin beside the strategy, a row per statistic.
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { strategy: { simulated: { returnFraction: number }; naive: { returnFraction: number } } };
    expect(written).toContain(
      `<tr><td>returnFraction</td><td class="num" data-field="strategy.simulated.returnFraction" data-value="${summary.strategy.simulated.returnFraction}">`,
    );
    expect(written).toMatch(new RegExp(`data-field="strategy\\.simulated\\.returnFraction"[^\n]*data-field="strategy\\.naive\\.returnFraction" data-value="${summary.strategy.naive.returnFraction}"`));
    expect(written).toContain('<dt>id</dt><dd>buy-the-fear</dd>');
  }, 120_000);
});

describe('charts a run lacks are omitted with a note, never drawn empty', () => {
  it('no dealer and no protocol: only price, depth, vol and the smile are drawn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rep-bare-'));
    expect((await cli(['run', 'default', '--quiet', '--no-band', '--set', 'protocol.enabled=false', '--set', 'dealer.inventory={"kind":"none"}', '--out', dir])).code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect([...html.matchAll(/id="chart-([a-z]+)"/g)].map((m) => m[1])).toEqual(['price', 'depth', 'vol', 'smile']);
    expect(html).toContain('Not drawn: no dealer in this scenario.');
    expect(html).toContain('Not drawn: no protocol in this scenario.');
    expect(html).toContain('Not drawn: no strategy ran.');
    expect(html).toContain('band</dt><dd>not computed for this run');
    expect(html).toContain('No band for this run');
    expect(html).toContain('critical point was not crossed');
  });
});
