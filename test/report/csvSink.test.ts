import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileSink, StringSink } from '../../src/report/csvSink.js';
import { cli } from '../cli/capture.js';

/**
 * CSVs are streamed a chunk at a time (about 1 MiB), and with gzip each
 * chunk is one gzip member: the file must read back as exactly the text
 * written, whatever the number of chunks.
 */
describe('streamed CSV files', () => {
  // 3.5 MiB of rows: four chunks, so four gzip members.
  const rows = Array.from({ length: 70_000 }, (_, i) => `2024-01-01T00:00:00Z,${i},${(i * 0.1).toFixed(6)},row ${i} of the stream\n`);

  it('plain and gzip files read back as the text written, across several chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const expected = new StringSink();
    for (const r of rows) expected.write(r);
    for (const gzip of [false, true]) {
      const path = join(dir, gzip ? 'a.csv.gz' : 'a.csv');
      const sink = new FileSink(path, { gzip });
      for (const r of rows) sink.write(r);
      sink.close();
      const bytes = readFileSync(path);
      const text = (gzip ? gunzipSync(bytes) : bytes).toString('utf8');
      expect(text.length).toBeGreaterThan(3 * (1 << 20));
      expect(text === expected.toString(), gzip ? 'gzip' : 'plain').toBe(true);
    }
  });

  it('cascade run --gzip writes .csv.gz files that hold the plain run\'s bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-run-'));
    expect((await cli(['run', 'default', '--no-band', '--gzip', '--out', join(dir, 'gz')])).code).toBe(0);
    expect((await cli(['run', 'default', '--no-band', '--out', join(dir, 'plain')])).code).toBe(0);
    for (const f of ['timeseries', 'trades']) {
      const plain = readFileSync(join(dir, 'plain', `${f}.csv`));
      const gz = gunzipSync(readFileSync(join(dir, 'gz', `${f}.csv.gz`)));
      expect(gz.equals(plain), f).toBe(true);
    }
  });
});
