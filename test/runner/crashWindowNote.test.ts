import { describe, expect, it } from 'vitest';
import { crashDataNotes, crashWindowNote } from '../../src/runner/crashWindowNote.js';

const ms = (iso: string): number => Date.parse(iso);

describe('cascade run <crash> --data FILE: a note when the file is not that crash', () => {
  // black-monday-1987's catalog window: 1987-09-08 .. 1987-11-03 (56 days).
  it('inside or about the window: no note', () => {
    expect(crashWindowNote('black-monday-1987', ms('1987-09-01T00:00:00Z'), ms('1987-12-31T00:00:00Z'))).toBeUndefined();
  });

  it('far past it (more than three times its length): the note gives the --set that runs the crash alone', () => {
    const n = crashWindowNote('black-monday-1987', ms('1983-01-04T00:00:00Z'), ms('1994-12-30T00:00:00Z'));
    expect(n).toBe(
      `the bars run far past black-monday-1987's catalog window (1987-09-08 .. 1987-11-03): --data runs the whole file; --set 'data.window={"start":"1987-09-08T00:00:00Z","end":"1987-11-03T00:00:00Z"}' runs the crash alone`,
    );
  });

  it('no overlap: the note says the positions are sized to a crash the file does not hold', () => {
    expect(crashWindowNote('btc-2020-03-12', ms('2021-05-12T00:00:00Z'), ms('2021-05-26T23:00:00Z'))).toMatch(/^the bars do not overlap btc-2020-03-12's catalog window \(2020-03-05 \.\. 2020-03-20\), yet the positions are sized to that crash/);
  });

  it('the printout lines: only for a catalog crash given a file', () => {
    const [a, b] = [ms('1983-01-04T00:00:00Z'), ms('1994-12-30T00:00:00Z')];
    expect(crashDataNotes('black-monday-1987', 'sp.csv', a, b)).toEqual([`NOTE ${crashWindowNote('black-monday-1987', a, b)}`]);
    expect(crashDataNotes('black-monday-1987', undefined, a, b)).toEqual([]);
    expect(crashDataNotes('default', 'sp.csv', a, b)).toEqual([]);
  });
});
