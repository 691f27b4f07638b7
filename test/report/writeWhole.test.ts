import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { streamToFile } from '../../src/report/csvSink.js';
import { prepareOutput, writeWhole } from '../../src/report/outputDir.js';

/**
 * The helpers every folder writer goes through: a folder is written whole
 * or not at all, and a streamed file is closed whether or not its writer
 * throws.
 */
describe('writeWhole', () => {
  it('commits what the fill wrote and returns what it returns, leaving no partial folder or lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whole-'));
    const out = join(dir, 'out');
    const r = writeWhole(prepareOutput(out, 'margin'), (partial) => {
      writeFileSync(join(partial, 'margin-compare.csv'), 'a,b\n');
      return 7;
    });
    expect(r).toBe(7);
    expect(readdirSync(dir)).toEqual(['out']);
    expect(readFileSync(join(out, 'margin-compare.csv'), 'utf8')).toBe('a,b\n');
  });

  it('a fill that throws leaves neither the folder, nor its partial folder, nor the lock, and the error is the fill\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whole-fail-'));
    const out = join(dir, 'out');
    expect(() =>
      writeWhole(prepareOutput(out, 'margin'), (partial) => {
        writeFileSync(join(partial, 'margin-compare.csv'), 'a,b\n');
        throw new Error('the page failed');
      }),
    ).toThrow('the page failed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a fill that throws leaves the previous folder as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whole-keep-'));
    const out = join(dir, 'out');
    writeWhole(prepareOutput(out, 'margin'), (partial) => {
      writeFileSync(join(partial, 'margin-compare.json'), '{}\n');
      writeFileSync(join(partial, 'margin-compare.csv'), 'first\n');
    });
    expect(() => writeWhole(prepareOutput(out, 'margin'), () => { throw new Error('second failed'); })).toThrow('second failed');
    expect(readdirSync(dir)).toEqual(['out']);
    expect(readFileSync(join(out, 'margin-compare.csv'), 'utf8')).toBe('first\n');
  });
});

describe('prepareOutput on a folder of report files with no marker', () => {
  it('refuses it, naming the files and the markers it lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whole-unmarked-'));
    const out = join(dir, 'out');
    writeWhole(prepareOutput(out, 'compare'), (partial) => writeFileSync(join(partial, 'compare.csv'), 'a\n'));
    expect(() => prepareOutput(out, 'compare')).toThrow(
      /--out '.*out': the folder holds report files \(compare\.csv\) but none of summary\.json, compare\.json, replay\.json or margin-compare\.json, which say what wrote them: an output cut short or edited; choose another folder or empty it/,
    );
    expect(readdirSync(dir)).toEqual(['out']);
  });
});

describe('streamToFile', () => {
  it('closes the file when the writer throws, keeping what it wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-'));
    const path = join(dir, 'a.csv');
    // File descriptors are handed out lowest first: the one streamToFile opened is free again if the next open gets it.
    const probe = openSync(join(dir, 'probe'), 'w');
    closeSync(probe);
    expect(() =>
      streamToFile(path, (sink) => {
        sink.write('x,y\n');
        throw new Error('row 2 failed');
      }),
    ).toThrow('row 2 failed');
    const again = openSync(join(dir, 'probe'), 'w');
    closeSync(again);
    expect(again).toBe(probe);
    expect(readFileSync(path, 'utf8')).toBe('x,y\n');
  });
});
