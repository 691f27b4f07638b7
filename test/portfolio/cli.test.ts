import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/capture.js';

const SYNTHETIC = resolve(__dirname, '../../data/scenarios/portfolio-synthetic.json');

describe('cascade margin compare', () => {
  it('prints one row per rule and writes the CSV and JSON with --out', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'cascade-margin-'));
    const { code, out } = await cli(['margin', 'compare', SYNTHETIC, '--margin', 'portfolio', '--out', outDir]);
    expect(code).toBe(0);
    expect(out).toMatch(/^portfolio\s+\d+/m);
    expect(out).not.toMatch(/^isolated\s/m);
    expect(existsSync(join(outDir, 'margin-compare.csv'))).toBe(true);
    const json = JSON.parse(readFileSync(join(outDir, 'margin-compare.json'), 'utf8')) as { synthetic: boolean; rules: { rule: string }[] };
    expect(json.synthetic).toBe(true);
    expect(json.rules.map((r) => r.rule)).toEqual(['portfolio']);
    // Times as every other output gives them: whole seconds, no milliseconds.
    expect(out).toMatch(/ bars from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, /);
    expect((json as unknown as { firstBar: string }).firstBar).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('an unknown rule is a one-line error and exit code 1', async () => {
    const { code, err } = await cli(['margin', 'compare', SYNTHETIC, '--margin', 'cross']);
    expect(code).toBe(1);
    expect(err).toContain("field '--margin': expected isolated, portfolio or both, got 'cross'");
  });
});
