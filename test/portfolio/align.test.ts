import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { alignAssets, loadAssetBars } from '../../src/portfolio/align.js';

const HEADER = 'timestamp,open,high,low,close,volume';
function bars(dir: string, name: string, hours: number[]): string {
  const rows = hours.map((h) => `2020-03-12T${String(h).padStart(2, '0')}:00:00Z,10,11,9,10,5`);
  const file = join(dir, name);
  writeFileSync(file, `${[HEADER, ...rows].join('\n')}\n`);
  return file;
}

describe('aligning assets bar for bar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-align-'));

  it('matching files give the same range in each', () => {
    const a = loadAssetBars(bars(dir, 'a.csv', [0, 1, 2, 3]));
    const b = loadAssetBars(bars(dir, 'b.csv', [0, 1, 2, 3]));
    expect(alignAssets([a, b], Date.UTC(2020, 2, 12, 1), Infinity)).toEqual({ from: [1, 1], to: [4, 4] });
  });

  it('a bar missing from one file is an error naming the other file\'s row (file and line)', () => {
    const a = loadAssetBars(bars(dir, 'full.csv', [0, 1, 2, 3]));
    const b = loadAssetBars(bars(dir, 'gap.csv', [0, 1, 3]));
    let err: unknown;
    try {
      alignAssets([a, b], 0, Infinity);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    const d = err as DataError;
    // 02:00 is the 4th line of full.csv (header on line 1); gap.csv has 03:00 there, its line 4.
    expect(d.location).toEqual({ file: join(dir, 'full.csv'), line: 4, field: 'timestamp' });
    expect(d.message).toContain('2020-03-12T02:00:00');
    expect(d.message).toContain(`${join(dir, 'gap.csv')}`);
  });

  it('a file that ends early is an error naming the first unmatched bar of the longer one', () => {
    const a = loadAssetBars(bars(dir, 'long.csv', [0, 1, 2]));
    const b = loadAssetBars(bars(dir, 'short.csv', [0, 1]));
    expect(() => alignAssets([a, b], 0, Infinity)).toThrow(/long\.csv:4: field 'timestamp': bar 2020-03-12T02:00:00/);
  });
});
