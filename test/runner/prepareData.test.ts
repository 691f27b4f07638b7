import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { prepareRunData } from '../../src/runner/prepareData.js';

/** Ten hourly bars; the third has an open of 0 (Yahoo's "no open recorded"). */
function fileWithBadRow(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prep-'));
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let h = 0; h < 10; h++) {
    const t = `2020-03-12T${String(h).padStart(2, '0')}:00:00Z`;
    rows.push(h === 2 ? `${t},0,101,99,100,5` : `${t},100,101,99,100,5`);
  }
  const file = join(dir, 'bars.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

const scenario = (file: string, window?: { start: string }) =>
  validateScenario({ name: 'prep', data: { bars: { source: 'file', path: file }, ...(window ? { window } : {}) }, market: { depth: { source: 'fixed', depth1PctQuote: 1e6 } } });

describe('a bad row outside the window', () => {
  it('still stops the load at its line, and the message says the whole file is checked and how to go on', () => {
    const file = fileWithBadRow();
    expect(() => prepareRunData(scenario(file, { start: '2020-03-12T05:00:00Z' }), '/')).toThrow(
      `${file}:4: field 'open': open must be a positive finite number, got 0 (every row of the file is checked, those outside data.window 2020-03-12T05:00:00Z .. the last row too: cut the file to the rows you run, with the warm-up bars before them, or mend that row)`,
    );
  });

  it('without a window the message is the loader’s own', () => {
    const file = fileWithBadRow();
    expect(() => prepareRunData(scenario(file), '/')).toThrow(new RegExp(`:4: field 'open': open must be a positive finite number, got 0$`));
  });
});
