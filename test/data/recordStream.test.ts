import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChunks, streamRecords } from '../../src/data/csv/recordStream.js';
import { readRawTable } from '../../src/data/csv/table.js';
import { loadBars, parseBars } from '../../src/data/csv/load.js';

/**
 * The chunked reader must give the same records, lines and errors as parsing
 * the whole text at once, wherever the chunk boundaries fall: inside a
 * field, inside a quoted field with a newline, between \r and \n, inside
 * the byte-order mark's neighbourhood.
 */
const dir = mkdtempSync(join(tmpdir(), 'record-stream-'));

function viaChunks(text: string, chunkBytes: number): { records: string[][]; lines: number[]; bom: boolean; nl: boolean } {
  const path = join(dir, `t${chunkBytes}.csv`);
  writeFileSync(path, text);
  const src = fileChunks(path, chunkBytes);
  const records: string[][] = [];
  const lines: number[] = [];
  try {
    const r = streamRecords(src.next, path, (rec, line) => {
      records.push(rec);
      lines.push(line);
    });
    return { records, lines, bom: r.bomStripped, nl: r.endsWithNewline };
  } finally {
    src.close();
  }
}

const TRICKY = [
  '\uFEFFtimestamp,open,high,low,close,volume,note',
  '2020-03-12T00:00Z,1,2,0.5,1.5,10,"a, quoted ""field"""',
  '2020-03-12T00:01Z,1.5,2,1,1.8,11,"spans',
  'two lines"',
  '2020-03-12T00:02Z,1.8,2,1,1.9,12,plain\r',
  '',
  '2020-03-12T00:03Z,1.9,2,1,1.7,13,  trimmed  ',
].join('\n');

describe('streamRecords', () => {
  for (const chunk of [3, 4, 5, 7, 16, 64, 1 << 20]) {
    it(`chunks of ${chunk} bytes give the whole-text records and lines`, () => {
      for (const text of [TRICKY, `${TRICKY}\n`, `${TRICKY}\r\n`]) {
        const whole = readRawTable(text, 'x.csv');
        const got = viaChunks(text, chunk);
        expect(got.records).toEqual(whole.records);
        expect(got.lines).toEqual(whole.lines);
        expect(got.bom).toBe(whole.bomStripped);
        expect(got.nl).toBe(whole.endsWithNewline);
      }
    });
  }

  it('an unclosed quote names the line where its record starts, as the whole-text reader does', () => {
    const text = 'timestamp,close\n2020-03-12T00:00Z,1\n2020-03-12T00:01Z,"2\n2020-03-12T00:02Z,3\n';
    const whole = (() => {
      try {
        readRawTable(text, 'x.csv');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(whole).toMatch(/:3: CSV syntax error in the record starting here/);
    for (const chunk of [3, 8, 1 << 20]) {
      expect(() => viaChunks(text, chunk)).toThrow(/:3: CSV syntax error in the record starting here/);
    }
  });

  it('an empty or blank file is refused at line 1', () => {
    for (const text of ['', '\n\n', '  \n']) expect(() => viaChunks(text, 16)).toThrow(/:1: file is empty/);
  });
});

describe('loadBars reads the file in chunks into the same series as parseBars on its text', () => {
  it('every column and the report agree, on a file larger than one chunk boundary case', () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < 5000; i++) {
      const p = 100 + Math.sin(i / 50) * 5;
      rows.push(`${1583971200000 + i * 60000},${p.toFixed(4)},${(p + 0.5).toFixed(4)},${(p - 0.5).toFixed(4)},${(p + 0.1).toFixed(4)},${(i % 17) + 1}`);
    }
    const text = `${rows.join('\n')}\n`;
    const path = join(dir, 'bars.csv');
    writeFileSync(path, text);
    const a = loadBars(path);
    const b = parseBars(text, path);
    expect(a.series.length).toBe(5000);
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(a.series[k]).toEqual(b.series[k]);
    expect(a.report).toEqual(b.report);
    expect(a.series.close.buffer.byteLength).toBe(5000 * 8);
  });
});
