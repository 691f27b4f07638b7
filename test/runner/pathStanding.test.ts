/**
 * A catalog crash runs on the catalog's representative seed, and the run
 * says where its path stands against the measured crash: the seed's
 * drawdown on the calibration's bars (checked against the catalog's own
 * figure for that seed), the measured drawdown and the generator's spread.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/resolveTarget.js';
import { validateScenario } from '../../src/config/load.js';
import { getCrash, listCrashes } from '../../src/data/catalog.js';
import { crashScenario } from '../../src/runner/crashScenario.js';
import { formatPathStanding, pathStanding } from '../../src/runner/pathStanding.js';

describe('catalog crash paths', () => {
  it("every catalog crash's scenario runs on the representative seed, whose standing is the catalog's figure", () => {
    for (const c of listCrashes()) {
      const scenario = validateScenario(crashScenario(c.name));
      const rep = c.synthetic.calibration.representative;
      expect(scenario.seed, c.name).toBe(rep.seed);
      const s = pathStanding(scenario, PROJECT_ROOT);
      expect(s, c.name).not.toBeNull();
      expect(Number(s!.drawdown.toPrecision(6)), c.name).toBe(rep.drawdown);
      expect(formatPathStanding(s!), c.name).toContain('the path closest to the measured crash');
    }
  });

  it('another seed is placed against the measured crash and the spread, with the representative named', () => {
    const scenario = validateScenario({ ...crashScenario('black-monday-1987'), seed: 1 });
    const s = pathStanding(scenario, PROJECT_ROOT)!;
    const cal = getCrash('black-monday-1987').synthetic.calibration;
    // Seed 1's Black Monday falls 12.7%, below the generator's 10th percentile (15.2%); the crash fell 34.2%.
    expect(s.drawdown).toBeGreaterThan(0.12);
    expect(s.drawdown).toBeLessThan(cal.drawdownP10);
    const line = formatPathStanding(s);
    expect(line).toBe(
      'path: seed 1 of the black-monday-1987 generator: drawdown 12.7% on 1440-minute bars against 34.2% measured ' +
        "(10th-90th percentile over the generator's 128 calibration seeds: 15.2%-63.6%); seed 92 is the path closest to the measured crash",
    );
  });

  it("a stored path stands with its sidecar's seed when it was generated from the catalog's parameters (the default scenario's)", () => {
    const def = validateScenario(JSON.parse(readFileSync(join(PROJECT_ROOT, 'data/scenarios/default.json'), 'utf8')));
    const s = pathStanding(def, join(PROJECT_ROOT, 'data/scenarios'))!;
    expect(s.seed).toBe(20200312);
    expect(s.crash).toBe('btc-2020-03-12');
    // Between the generator's 10th and 90th percentiles, below the measured 58.8%.
    expect(s.drawdown).toBeGreaterThan(s.drawdownP10);
    expect(s.drawdown).toBeLessThan(s.measuredDrawdown);
    // The same file with other parameters in its sidecar stands against nothing.
    const dir = mkdtempSync(join(tmpdir(), 'standing-'));
    copyFileSync(join(PROJECT_ROOT, 'data/synthetic/btc-2020-03-12.synthetic.csv'), join(dir, 'p.csv'));
    const sidecar = JSON.parse(readFileSync(join(PROJECT_ROOT, 'data/synthetic/btc-2020-03-12.synthetic.json'), 'utf8'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ ...sidecar, params: { ...sidecar.params, jumpLogSizeMean: -0.1 } }));
    const other = validateScenario({ name: 'x', data: { bars: { source: 'file', path: join(dir, 'p.csv') } } });
    expect(pathStanding(other, dir)).toBeNull();
    writeFileSync(join(dir, 'p.json'), JSON.stringify(sidecar));
    expect(pathStanding(other, dir)?.seed).toBe(20200312);
  });

  it('run and bond print the standing of a catalog crash path after the scenario line', { timeout: 120_000 }, async () => {
    const { cli } = await import('../cli/capture.js');
    const out = join(mkdtempSync(join(tmpdir(), 'standing-cli-')), 'out');
    const r = await cli(['run', 'btc-2025-10-10', '--seed', '5', '--no-band', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^scenario btc-2025-10-10 \[SYNTHETIC path\]/);
    expect(lines[1]).toMatch(/^path: seed 5 of the btc-2025-10-10 generator: drawdown \d+\.\d% on 60-minute bars against 19\.2% measured .*; seed 77 is the path closest to the measured crash$/);
    const b = await cli(['bond', 'table', 'btc-2025-10-10', '--set', 'protocol.defences.contagionBond={"trigger":{"index":"drawdown","level":0.08},"notionalQuote":2000000}', '--levels', '0.1', '--quiet']);
    expect(b.code, b.err).toBe(0);
    expect(b.out.split('\n')[1]).toMatch(/^path: seed 77 of the btc-2025-10-10 generator, the path closest to the measured crash/);
  });

  it('bars that are not a catalog path have no standing', () => {
    const parametric = validateScenario({ name: 'x', data: { bars: { source: 'gbm', bars: 50 } } });
    expect(pathStanding(parametric, PROJECT_ROOT)).toBeNull();
  });
});
