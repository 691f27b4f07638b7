import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChecksum } from '../../src/sweep/fileChecksums.js';

describe('fileChecksum', () => {
  it("is the file's sha256 (FIPS 180-2 test vector), 'missing' when absent, and follows an edit that keeps the size", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'checksum-')), 'f.txt');
    expect(fileChecksum(path)).toBe('missing');
    writeFileSync(path, 'abc');
    expect(fileChecksum(path)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // A long-lived worker's cache must not hide an edit: same size, a later modification time.
    writeFileSync(path, 'abd');
    const later = new Date(Date.UTC(2030, 0, 1));
    utimesSync(path, later, later);
    expect(fileChecksum(path)).toBe('a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9');
  });
});
