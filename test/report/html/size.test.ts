import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISPLAY_BUCKETS } from '../../../src/report/html/runPage.js';
import { cli } from '../../cli/capture.js';

/**
 * A 14-day run at 1-minute bars (20,160 bars, the synthetic 2020-03-12
 * crash path generated at 1 minute) with a dealer and a protocol: the page
 * stays under 2 MB because each chart carries at most about
 * 2·DISPLAY_BUCKETS + 2 points, whatever the run's length.
 */
describe('report.html size on a long run', () => {
  it('14 days of 1-minute bars with dealer and protocol: under 2 MB, every chart downsampled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'size-'));
    expect((await cli(['run', 'btc-2020-03-12', '--quiet', '--no-band', '--set', 'data.bars.barMinutes=1', '--out', dir])).code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.bars).toBe(14 * 24 * 60);
    expect(summary.dealerOptions).toBeGreaterThan(0);
    expect(summary.liquidationCount).toBeGreaterThan(0);
    const size = statSync(join(dir, 'report.html')).size;
    expect(size).toBeLessThan(2 * 1024 * 1024);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const data = JSON.parse(html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]) as { charts: Array<{ id: string; x: number[]; xLabel?: string }> };
    expect(data.charts.length).toBeGreaterThanOrEqual(8);
    // Charts over time (the others are over strikes, spots or moneyness: a few dozen points).
    for (const c of data.charts.filter((d) => d.xLabel === undefined)) {
      expect(c.x.length, c.id).toBeLessThanOrEqual(2 * DISPLAY_BUCKETS + 2);
      expect(c.x.length, c.id).toBeGreaterThan(200);
    }
    console.log(`report.html: ${(size / 1024).toFixed(0)} KiB for ${summary.bars} bars`);
    // Written from the run's arrays; rebuilt from 20,160 CSV rows read back a chunk at a time: the same bytes.
    expect((await cli(['report', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8') === html).toBe(true);
  }, 180_000);
});
