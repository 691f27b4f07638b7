import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBars } from '../../../src/data/csv/load.js';
import { loadIvWithReport } from '../../../src/data/csv/loadIv.js';
import { dvolCsv, mergeHeaderedZips, mergeKlineZips, vixCsv } from '../../../src/data/fetch/extract.js';
import { klineDayCsv, makeZip } from './fixtures.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'cascade-extract-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const D1 = Date.UTC(2025, 9, 9);
const D2 = Date.UTC(2025, 9, 10);

function zipOf(name: string, text: string): string {
  const p = join(dir, `${name}.zip`);
  writeFileSync(p, makeZip([{ name: `${name}.csv`, data: Buffer.from(text) }]));
  return p;
}

describe('mergeKlineZips', () => {
  it.each([
    ['USD-M (each file has a header)', true],
    ['spot (no header)', false],
  ])('%s: two days join into one file the bar loader reads as binance-kline, every row in order', (_label, header) => {
    const out = join(dir, 'bars.csv');
    const rows = mergeKlineZips([zipOf('a', klineDayCsv(D1, 100_000, header)), zipOf('b', klineDayCsv(D2, 90_000, header))], out);
    expect(rows).toBe(2880);
    const loaded = loadBars(out);
    expect(loaded.layout).toBe('binance-kline');
    expect(loaded.series.length).toBe(2880);
    expect(loaded.series.time[0]).toBe(D1);
    expect(loaded.series.time[2879]).toBe(D2 + 1439 * 60_000);
    // close_i = startPrice·(1 − 1e-4·i) + 5·sin(i), rounded to 0.1 (the fixture's formula): row 1440 is day 2's first.
    expect(loaded.series.close[1440]).toBeCloseTo(Math.round(90_000 * 10) / 10, 6);
    expect(loaded.series.close[1439]).toBeCloseTo(Math.round((100_000 * (1 - 1e-4 * 1439) + 5 * Math.sin(1439)) * 10) / 10, 6);
  });

  it('refuses a zip whose CSV is not a kline file, naming the zip, and leaves no output behind', () => {
    const out = join(dir, 'bars.csv');
    expect(() => mergeKlineZips([zipOf('bad', 'a,b,c\n1,2,3\n')], out)).toThrow(/bad\.zip: expected 12 kline columns, the first row has 3/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });
});

describe('mergeHeaderedZips', () => {
  it('keeps one header and every row', () => {
    const out = join(dir, 'm.csv');
    const n = mergeHeaderedZips([zipOf('a', 'h1,h2\n1,2\n'), zipOf('b', 'h1,h2\r\n3,4\r\n')], out);
    expect(n).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('h1,h2\n1,2\n3,4\n');
  });
  it('refuses files whose headers differ', () => {
    expect(() => mergeHeaderedZips([zipOf('a', 'h1,h2\n1,2\n'), zipOf('b', 'h1,h3\n3,4\n')], join(dir, 'm.csv'))).toThrow("header 'h1,h3' differs from the first file's 'h1,h2'");
  });
});

describe('dvolCsv', () => {
  it('keeps the candles inside the window once each, in time order, and the IV loader reads their closes', () => {
    const page = (rows: number[][]): string => {
      const p = join(dir, `${rows[0][0]}.json`);
      writeFileSync(p, JSON.stringify({ result: { data: rows, continuation: null } }));
      return p;
    };
    const h = 3_600_000;
    // Overlapping answers out of order; one candle before the window, one at its (exclusive) end.
    const a = page([[D1 + 2 * h, 50, 51, 49, 50.5], [D1 + 3 * h, 50, 51, 49, 52.25]]);
    const b = page([[D1 - h, 1, 1, 1, 1], [D1, 40, 41, 39, 40.5], [D1 + h, 45, 46, 44, 45.5], [D1 + 2 * h, 50, 51, 49, 50.5]]);
    const c = page([[D1 + 4 * h, 9, 9, 9, 9]]);
    const out = join(dir, 'dvol.csv');
    expect(dvolCsv([a, b, c], D1, D1 + 4 * h, out)).toBe(4);
    const iv = loadIvWithReport(out).series;
    expect(Array.from(iv.time)).toEqual([D1, D1 + h, D1 + 2 * h, D1 + 3 * h]);
    expect(Array.from(iv.value)).toEqual([40.5, 45.5, 50.5, 52.25]);
  });
  it('writes nothing and returns 0 when no candle is inside the window (DVOL starts in 2021)', () => {
    const p = join(dir, 'empty.json');
    writeFileSync(p, JSON.stringify({ result: { data: [], continuation: null } }));
    expect(dvolCsv([p], D1, D2, join(dir, 'dvol.csv'))).toBe(0);
    expect(existsSync(join(dir, 'dvol.csv'))).toBe(false);
  });
});

describe('vixCsv', () => {
  it("rewrites CBOE's MM/DD/YYYY dates as ISO days the IV loader reads, taking the close", () => {
    const src = join(dir, 'VIX_History.csv');
    writeFileSync(src, 'DATE,OPEN,HIGH,LOW,CLOSE\n08/02/2024,18.99,29.66,18.59,23.39\n08/05/2024,23.39,65.73,23.39,38.57\n');
    const out = join(dir, 'VIX.csv');
    expect(vixCsv(src, out)).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('date,open,high,low,close\n2024-08-02,18.99,29.66,18.59,23.39\n2024-08-05,23.39,65.73,23.39,38.57\n');
    const iv = loadIvWithReport(out).series;
    expect(Array.from(iv.time)).toEqual([Date.UTC(2024, 7, 2), Date.UTC(2024, 7, 5)]);
    expect(Array.from(iv.value)).toEqual([23.39, 38.57]);
  });
  it('refuses a row that is not MM/DD/YYYY,open,high,low,close, with its line', () => {
    const src = join(dir, 'VIX_History.csv');
    writeFileSync(src, 'DATE,OPEN,HIGH,LOW,CLOSE\n08/02/2024,1,2,0.5,1.5\n2024-08-05,1,2,0.5,1.5\n');
    expect(() => vixCsv(src, join(dir, 'VIX.csv'))).toThrow(`${src}:3: expected 'MM/DD/YYYY,open,high,low,close', got '2024-08-05,1,2,0.5,1.5'`);
  });
});
