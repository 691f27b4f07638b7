import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../cli/capture.js';

/**
 * The pages in a real browser (Debian's chromium, driven by playwright-core,
 * no network): no console error, no request other than the file itself,
 * every chart drawn (each series has a stroke path, and the plot area holds
 * hundreds of pixels of the series' colours), a PNG screenshot saved. The run is
 * on real 1-minute bars (the 10 October 2025 crash) when CASCADE_DATA_DIR is
 * set, otherwise on the default synthetic path; the compare is a 4 × 3 grid
 * of depth and dealer inventory whose phase diagram has a critical line;
 * the margin page is the synthetic two-asset comparison.
 */
const CHROMIUM = '/usr/bin/chromium';
const DATA_DIR = process.env.CASCADE_DATA_DIR;
const REAL = 'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-quic', '--disable-component-update', '--disable-sync'];
const dataArgs = DATA_DIR ? ['--data', join(DATA_DIR, REAL)] : [];
const where = DATA_DIR ? `real bars ${REAL}` : 'the default synthetic path (CASCADE_DATA_DIR is not set)';

interface PlotCheck {
  id: string;
  points: number;
  emptySeries: string[];
  /** Opaque pixels in the plot area of some series' colour: a drawn line across the chart gives hundreds. */
  seriesColourPixels: number;
  /** The x axis' shown range, and the smallest and largest x of the data. */
  xScale: [number, number];
  xData: [number, number];
}

/** Opens a page, collects console errors and every request, and checks each uPlot instance. */
async function openPage(ctx: BrowserContext, file: string, shot: string): Promise<{ errors: string[]; requests: string[]; plots: PlotCheck[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-charts-drawn]', { timeout: 20_000 });
  const plots = await page.evaluate(() => {
    type U = {
      __chartId: string;
      data: Array<Array<number | null>>;
      series: Array<{ label: string; stroke: unknown; _paths?: { stroke?: unknown } | null }>;
      ctx: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      bbox: { left: number; top: number; width: number; height: number };
      scales: { x: { min: number; max: number } };
    };
    const hex = (s: string): number[] => [1, 3, 5].map((k) => parseInt(s.slice(k, k + 2), 16));
    return (globalThis as unknown as { __cascadePlots: U[] }).__cascadePlots.map((u) => {
      const stroke = (s: U['series'][number]): string => (typeof s.stroke === 'function' ? (s.stroke as () => string)() : String(s.stroke));
      const emptySeries = u.series.slice(1).filter((s, k) => !(s._paths && s._paths.stroke) || u.data[k + 1].filter((v) => v !== null).length < 2).map((s) => s.label);
      const want = u.series.slice(1).map((s) => hex(stroke(s)));
      const img = u.ctx.getImageData(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height).data;
      let n = 0;
      for (let p = 0; p < img.length; p += 4) {
        if (img[p + 3] > 200 && want.some((w) => Math.abs(img[p] - w[0]) < 40 && Math.abs(img[p + 1] - w[1]) < 40 && Math.abs(img[p + 2] - w[2]) < 40)) n++;
      }
      const xs = u.data[0].filter((v): v is number => v !== null);
      return { id: u.__chartId, points: u.data[0].length, emptySeries, seriesColourPixels: n, xScale: [u.scales.x.min, u.scales.x.max] as [number, number], xData: [Math.min(...xs), Math.max(...xs)] as [number, number] };
    });
  });
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return { errors, requests, plots };
}

describe.skipIf(!existsSync(CHROMIUM))(`reports in headless Chromium (${existsSync(CHROMIUM) ? where : `skipped: ${CHROMIUM} is missing; .ci/run installs it with apt`})`, () => {
  let ctx: BrowserContext;
  const out = mkdtempSync(join(tmpdir(), 'browser-'));
  beforeAll(async () => {
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it('run report: no console error, no network, every chart drawn, screenshot saved', async () => {
    const dir = join(out, 'run');
    expect((await cli(['run', 'default', '--quiet', '--no-band', ...dataArgs, '--out', dir])).code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const expected = [...html.matchAll(/<div class="chart" id="chart-([a-z]+)">/g)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const shot = join(out, 'run.png');
    const { errors, requests, plots } = await openPage(ctx, join(dir, 'report.html'), shot);
    const info = JSON.stringify({ errors, requests, plots });
    expect(errors, info).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://')), info).toBe(true);
    expect(plots.map((p) => p.id)).toEqual(expected);
    for (const p of plots) {
      expect(p.emptySeries, `${p.id}: ${info}`).toEqual([]);
      expect(p.seriesColourPixels, `${p.id}: ${info}`).toBeGreaterThan(200);
    }
    // The by-strike bars are a column wide, centred on their strikes: the axis holds the outer ones whole.
    const strikes = plots.find((p) => p.id === 'gammastrike');
    expect(strikes, info).toBeDefined();
    expect(strikes!.xScale[0], info).toBeLessThan(strikes!.xData[0]);
    expect(strikes!.xScale[1], info).toBeGreaterThan(strikes!.xData[1]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 120_000);

  it('comparison page: heatmap with the critical line, price overlay drawn, no console error, no network', async () => {
    const dir = join(out, 'compare');
    const args = ['compare', 'default', '--quiet', ...dataArgs, '--out', dir, '--set', 'market.depth.source=volume'];
    // Grids that straddle criticality on each path (the real 2025 book is deeper relative to the dealer than the synthetic 2020 one).
    const grid = DATA_DIR
      ? ['--vary', 'market.depth.fractionOfHourlyQuoteVolume=0.01,0.03,0.1,0.3', '--vary', 'dealer.inventory.totalQtyBase=1500,6000,20000']
      : ['--vary', 'market.depth.fractionOfHourlyQuoteVolume=0.1,0.3,1,3', '--vary', 'dealer.inventory.totalQtyBase=100,1500,6000'];
    expect((await cli([...args, ...grid])).code).toBe(0);
    const html = readFileSync(join(dir, 'compare.html'), 'utf8');
    expect([...html.matchAll(/<rect class="cell"/g)]).toHaveLength(12);
    // The grid spans both sides of criticality (a thin book and a big dealer are supercritical), so the line must be there.
    const doc = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8'));
    const peaks = doc.rows.map((r: { figures: { peakBranchingRatioSum: number } }) => r.figures.peakBranchingRatioSum);
    expect(Math.min(...peaks)).toBeLessThan(1);
    expect(Math.max(...peaks)).toBeGreaterThan(1);
    expect(html).toMatch(/<g id="critical-line"[^>]*><line /);
    const shot = join(out, 'compare.png');
    const { errors, requests, plots } = await openPage(ctx, join(dir, 'compare.html'), shot);
    const info = JSON.stringify({ errors, requests, plots });
    expect(errors, info).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://')), info).toBe(true);
    expect(plots.map((p) => p.id)).toEqual(['paths']);
    expect(plots[0].emptySeries, info).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 180_000);

  it('margin compare page: each asset\'s price and the rules\' running totals drawn, no console error, no network', async () => {
    const dir = join(out, 'margin');
    expect((await cli(['margin', 'compare', 'data/scenarios/portfolio-synthetic.json', '--out', dir])).code).toBe(0);
    const shot = join(out, 'margin.png');
    const { errors, requests, plots } = await openPage(ctx, join(dir, 'margin-compare.html'), shot);
    const info = JSON.stringify({ errors, requests, plots });
    expect(errors, info).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://')), info).toBe(true);
    expect(plots.map((p) => p.id)).toEqual(['price-0', 'price-1', 'liquidated', 'bad-debt', 'accounts']);
    for (const p of plots) {
      expect(p.emptySeries, `${p.id}: ${info}`).toEqual([]);
      expect(p.seriesColourPixels, `${p.id}: ${info}`).toBeGreaterThan(200);
    }
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 120_000);
});
