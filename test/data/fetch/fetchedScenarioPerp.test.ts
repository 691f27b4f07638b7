/**
 * A fetch that brought Binance's funding rates points the written
 * scenario's perp venue at them (docs/model.md#perpetual-venue), relative to
 * the scenario's folder; without a protocol, or without the file, the
 * scenario is written as before.
 */
import { describe, expect, it } from 'vitest';
import { fetchedScenario } from '../../../src/data/fetch/scenario.js';
import type { FetchPlan } from '../../../src/data/fetch/plan.js';
import type { FetchResult } from '../../../src/data/fetch/run.js';

const PLAN: FetchPlan = { crash: 'btc-2025-10-10', symbol: 'BTCUSDT', market: 'um', interval: '1m', startMs: Date.UTC(2025, 9, 3), endMs: Date.UTC(2025, 9, 18), items: [] };
const DIR = '/cache/btc-2025-10-10';
const result = (funding: boolean): FetchResult => ({
  dir: DIR,
  bars: { path: `${DIR}/BTCUSDT-um-1m.csv`, rows: 10 },
  ...(funding ? { funding: { path: `${DIR}/BTCUSDT-fundingRate.csv`, rows: 3 } } : {}),
  outcomes: [],
  manifest: `${DIR}/fetch.json`,
});

describe('the fetched scenario and the funding file', () => {
  it('turns the perp venue on with the fetched funding series when the crash model has a protocol', () => {
    const base = { protocol: { enabled: true, insuranceFundQuote: 5 } };
    const s = fetchedScenario(base, PLAN, result(true), `${DIR}/scenario.json`);
    expect(s.protocol).toEqual({ enabled: true, insuranceFundQuote: 5, perp: { funding: { kind: 'series', path: 'BTCUSDT-fundingRate.csv' } } });
    expect(String(s.description)).toContain('funding from Binance fundingRate');
  });

  it('leaves the scenario without a perp venue when there is no protocol or no funding file', () => {
    expect(fetchedScenario({ protocol: { enabled: false } }, PLAN, result(true), `${DIR}/scenario.json`).protocol).toEqual({ enabled: false });
    expect(fetchedScenario({ protocol: { enabled: true } }, PLAN, result(false), `${DIR}/scenario.json`).protocol).toEqual({ enabled: true });
  });
});
