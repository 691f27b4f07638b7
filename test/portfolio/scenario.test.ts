import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { compareMarginFile, comparisonCsv, comparisonRows, loadPortfolioScenario } from '../../src/portfolio/compare.js';

const SYNTHETIC = resolve(__dirname, '../../data/scenarios/portfolio-synthetic.json');

function scenarioFile(body: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cascade-pm-')), 'scenario.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('multi-asset scenario files', () => {
  it('a bad field is one located error naming the file and the field', () => {
    const file = scenarioFile({ assets: [{ name: 'BTC' }, { name: 'ETH' }], margin: { scanRangePct: [15] }, accounts: [{}] });
    expect(() => loadPortfolioScenario(file)).toThrow(ConfigError);
    expect(() => loadPortfolioScenario(file)).toThrow(/scenario\.json: field 'margin\.scanRangePct': needs one range per asset \(2\), got 1/);
  });

  it('an account naming an unknown asset is refused', () => {
    const file = scenarioFile({ assets: [{ name: 'BTC' }], margin: { scanRangePct: [15] }, accounts: [{ perp: { DOGE: 1 } }] });
    expect(() => loadPortfolioScenario(file)).toThrow(/field 'accounts\.0\.perp\.DOGE': unknown asset 'DOGE'/);
  });

  it('the synthetic comparison is deterministic and its CSV holds one total and one row per asset for each rule', () => {
    const a = compareMarginFile(SYNTHETIC);
    const b = compareMarginFile(SYNTHETIC);
    expect(comparisonRows(a)).toEqual(comparisonRows(b));
    const lines = comparisonCsv(a).trim().split('\n');
    expect(lines.length).toBe(1 + 2 * 3);
    expect(lines[1].startsWith('isolated,ALL,')).toBe(true);
    expect(lines[4].startsWith('portfolio,ALL,')).toBe(true);
  });
});
