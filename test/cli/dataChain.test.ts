import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainCsv, type KnownSnapshot } from '../surface/chainHelpers.js';
import { cli } from './capture.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/optionChain');

describe('cascade data chain', () => {
  it('prints each snapshot fit of a chain made from known parameters, as surface.chain would use them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datachain-'));
    const t = Date.UTC(2020, 2, 12);
    const snaps: KnownSnapshot[] = [{ timeMs: t, params: { rho: -0.5, eta: 0.9, gamma: 0.4 }, atmVol: 0.9, spot: 7900 }];
    const file = join(dir, 'c.csv');
    writeFileSync(file, chainCsv(snaps, 365.25 * 86_400_000));
    const r = await cli(['data', 'chain', file, '--layout', 'tardis']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ valid: true, layout: 'tardis', rows: 45, snapshots: 1, skipped: [] });
    // Printed to 6 decimals; the fit itself is good to 1e-5 (test/surface/chainSeries.test.ts).
    expect(out.fits[0]).toMatchObject({ time: '2020-03-12T00:00:00.000Z', quotes: 45 });
    expect(out.fits[0].rho).toBeCloseTo(-0.5, 4);
    expect(out.fits[0].eta).toBeCloseTo(0.9, 4);
    expect(out.fits[0].gamma).toBeCloseTo(0.4, 4);
    expect(out.fits[0].atmVol).toBeCloseTo(0.9, 5);
  });

  it('says why a snapshot was not fitted, and refuses a file in another layout with its first problem', async () => {
    const ok = await cli(['data', 'chain', join(FIXTURES, 'deribit.csv'), '--layout', 'deribit']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).skipped[0]).toEqual({ time: '2020-03-12T00:00:00.000Z', reason: '4 usable quotes over 2 expiries, need more than 5 (3 shape parameters and one ATM level per expiry)' });
    const bad = await cli(['data', 'chain', join(FIXTURES, 'deribit.csv'), '--layout', 'tardis']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/deribit\.csv:1: field 'timestamp': missing column 'timestamp' \(the tardis layout needs/);
    const layout = await cli(['data', 'chain', join(FIXTURES, 'deribit.csv'), '--layout', 'okx']);
    expect(layout.code).toBe(1);
    expect(layout.err).toMatch(/field '--layout': unknown layout 'okx' \(tardis, deribit, deribit-trades\)/);
  });
});
