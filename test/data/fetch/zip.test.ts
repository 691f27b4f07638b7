import { describe, expect, it } from 'vitest';
import { crc32, readZip } from '../../../src/data/fetch/zip.js';
import { crc32Bitwise, makeZip } from './fixtures.js';

describe('crc32', () => {
  it('gives the standard check value of CRC-32/ISO-HDLC: crc32("123456789") = 0xCBF43926', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('agrees with the bit-by-bit definition on every byte value and on a long buffer', () => {
    for (let b = 0; b < 256; b++) expect(crc32(Uint8Array.of(b))).toBe(crc32Bitwise(Uint8Array.of(b)));
    const long = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 0xff));
    expect(crc32(long)).toBe(crc32Bitwise(long));
  });
});

describe('readZip', () => {
  const a = Buffer.from('open_time,open\n1,2\n');
  const b = Buffer.from('x'.repeat(5000));

  it.each([0, 8] as const)('reads back every entry of a zip written with method %i', (method) => {
    const entries = readZip(makeZip([{ name: 'a.csv', data: a }, { name: 'dir/b.txt', data: b }], method), 't.zip');
    expect(entries.map((e) => e.name)).toEqual(['a.csv', 'dir/b.txt']);
    expect(entries[0].data.equals(a)).toBe(true);
    expect(entries[1].data.equals(b)).toBe(true);
  });

  it('refuses a zip whose stored entry was altered (CRC-32)', () => {
    const zip = makeZip([{ name: 'a.csv', data: a }], 0);
    zip[30 + 'a.csv'.length + 3] ^= 0xff;
    expect(() => readZip(zip, 't.zip')).toThrow("t.zip: not a readable zip: 'a.csv' fails its CRC-32");
  });

  it('refuses a truncated zip (no end record)', () => {
    const zip = makeZip([{ name: 'a.csv', data: b }]);
    expect(() => readZip(zip.subarray(0, zip.length - 30), 't.zip')).toThrow('no end-of-central-directory record (truncated?)');
  });

  it('refuses a zip whose data was cut out before the directory', () => {
    const zip = makeZip([{ name: 'a.csv', data: b }], 0);
    const cut = Buffer.concat([zip.subarray(0, 100), zip.subarray(zip.length - 22 - 46 - 5)]);
    // Point the end record at the directory's new place: the entry now runs past the end of the file.
    cut.writeUInt32LE(100, cut.length - 22 + 16);
    expect(() => readZip(cut, 't.zip')).toThrow(/runs past the end of the file|lies outside the file/);
  });
});
