/**
 * Whole runs with the WASM valuation kernel against the JavaScript
 * reference: the default scenario and the engine bench's workload (200
 * options, L2 book, exact re-valuation every bar) give the same summary
 * figures and the same CSV columns to 12 significant digits, except where
 * a discrete choice of the engine follows the last bit (COARSE and
 * SPLIT_SUMMARY say which, and how they are compared instead). Also: the
 * per-book kernel follows a book whose contracts change (rolls, loads) and
 * the switch refuses unknown kernels.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MS_PER_DAY } from '../../src/core/time.js';
import { syntheticPathForCrash } from '../../src/data/synthetic/forCrash.js';
import { calibrateDepth1PctQuote } from '../../src/market/depthCalibration.js';
import { OptionBook } from '../../src/dealer/book.js';
import { makeBookGreeks, pnlStartStorage, revalueAtSpot, setValuationKernel, snapshotPnlStartOf, valuationKernel, valueBook, volChangeSumsOf } from '../../src/dealer/valuation.js';
import { makePnlStart, makeVolChangeSums, snapshotPnlStart, volChangeSums } from '../../src/dealer/pnlAttribution.js';
import { snapshotColumnsWasm, volChangeSumsWasm } from '../../src/dealer/wasmValuation.js';
import { SurfaceDynamics } from '../../src/surface/dynamics.js';

const SIG = 12;

/** a and b agree to `SIG` significant digits (relative to the larger magnitude). */
function sameDigits(a: number, b: number): boolean {
  if (Object.is(a, b)) return true;
  return Math.abs(a - b) <= 0.5 * 10 ** (1 - SIG) * Math.max(Math.abs(a), Math.abs(b));
}

function flatten(obj: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = obj;
  }
  return out;
}

/**
 * Columns whose own precision is coarser than 12 digits: put_wing_slope is a
 * central difference of the surface with step 1e-5 (src/surface/skew.ts),
 * whose rounding error is ~1e-11 relative, so an ulp's change anywhere
 * upstream moves it by about that much. Held to 1e-10 of its scale.
 */
const COARSE: Record<string, number> = {
  put_wing_slope: 1e-10,
  // Second derivatives of the book: near expiry their sensitivity to spot (S·speed / Γ) reaches ~100,
  // so the ~1e-13 price differences of a bench bar whose hedge took one order instead of rounds
  // (see SPLIT_SUMMARY below) move them by up to 8e-12 of their scale (one cell each in 21,600 bars).
  dealer_gamma: 1e-10,
  dealer_vanna: 1e-10,
  // −S·Γ/D: the book's gamma again (two cells of the bench run at 5.0e-12 and 5.5e-12 of their scale).
  gamma_branching_ratio: 1e-10,
};

/**
 * Columns measured at the scale of the quantity they are a part of:
 * bad_debt_exposure_quote is the intrinsic value of the lenders' put strip,
 * which in the default scenario is only a few accounts' strikes a hair
 * above the price (1e-7 quote at most: rounding residue of positions of
 * 1e7); it is compared at the scale of the same strip's full value.
 */
const RELATED: Record<string, string> = { bad_debt_exposure_quote: 'put_strip_value' };

/**
 * Log-returns are differences of log-prices: twelve digits of two prices
 * leave a log-return 5e-12 in absolute terms, whatever its size, so these
 * columns are measured at a scale of at least 1 (one unit of log-price).
 * On the bench workload a close that agrees to 7e-13 of itself gives a
 * one-minute endogenous return whose gap is 6e-12 of the column's largest
 * move (0.12).
 */
const LOG_RETURNS = new Set(['endogenous_return', 'exogenous_return']);

/** Half a unit in the 12th significant digit. */
const TWELVE = 0.5 * 10 ** (1 - SIG);

/**
 * Summary figures agree to 12 significant digits each. CSV cells agree to
 * 12 significant digits of their column's scale (its largest magnitude):
 * cells that are small differences of large quantities (a hedge trade of
 * 1e-8 BTC against a 1,500 BTC book's delta, a P&L residual) cannot keep
 * 12 digits of their own under any change of rounding, and are compared
 * at the scale of what they are differences of.
 */
function compareRuns(dirA: string, dirB: string, discrete = false): { numbers: number; worstSummary: number; worstColumn: number; where: string } {
  let numbers = 0;
  let worstSummary = 0;
  let worstColumn = 0;
  let where = '';
  const sa = flatten(JSON.parse(readFileSync(join(dirA, 'summary.json'), 'utf8')));
  const sb = flatten(JSON.parse(readFileSync(join(dirB, 'summary.json'), 'utf8')));
  expect(Object.keys(sb).sort()).toEqual(Object.keys(sa).sort());
  for (const [k, va] of Object.entries(sa)) {
    if (k === 'valuationKernel') continue; // names the kernel: differs by construction
    const vb = sb[k];
    if (typeof va === 'number' && typeof vb === 'number') {
      numbers++;
      if (Object.is(va, vb)) continue;
      if (discrete && SPLIT_SUMMARY.has(k)) {
        // Counts and the delta/execution split follow how many orders a hedge took (see DISCRETE).
        expect(Math.abs(va - vb) / Math.max(Math.abs(va), Math.abs(vb)), `summary ${k}: js ${va}, wasm ${vb}`).toBeLessThan(1e-3);
        continue;
      }
      const gap = Math.abs(va - vb) / Math.max(Math.abs(va), Math.abs(vb));
      worstSummary = Math.max(worstSummary, gap);
      expect(gap <= TWELVE, `summary ${k}: js ${va}, wasm ${vb}`).toBe(true);
    } else {
      expect(vb, `summary ${k}`).toEqual(va);
    }
  }
  for (const file of ['timeseries.csv', 'trades.csv']) {
    const la = readFileSync(join(dirA, file), 'utf8').trimEnd().split('\n');
    const lb = readFileSync(join(dirB, file), 'utf8').trimEnd().split('\n');
    if (discrete && file === 'trades.csv' && lb.length !== la.length) {
      // One order instead of several on a few bars: the fill list shifts, so only its length is compared.
      expect(Math.abs(lb.length - la.length) / la.length, `${file} rows`).toBeLessThan(1e-3);
      continue;
    }
    expect(lb.length, `${file} rows`).toBe(la.length);
    expect(lb[0]).toBe(la[0]);
    const header = la[0].split(',');
    const ra = la.slice(1).map((l) => l.split(','));
    const rb = lb.slice(1).map((l) => l.split(','));
    const columnScale = (c: number): number => {
      let scale = 0;
      for (const row of ra) {
        const x = Math.abs(Number(row[c]));
        if (Number.isFinite(x) && x > scale) scale = x;
      }
      return scale;
    };
    for (let c = 0; c < header.length; c++) {
      const related = RELATED[header[c]] === undefined ? -1 : header.indexOf(RELATED[header[c]]);
      const scale = Math.max(columnScale(c), related >= 0 ? columnScale(related) : 0, LOG_RETURNS.has(header[c]) ? 1 : 0);
      if (discrete && SPLIT_COLUMNS.has(header[c])) continue;
      const tol = COARSE[header[c]] ?? TWELVE;
      for (let r = 0; r < ra.length; r++) {
        numbers++;
        if (ra[r][c] === rb[r][c]) continue;
        const a = Number(ra[r][c]);
        const b = Number(rb[r][c]);
        if (!Number.isFinite(a - b)) throw new Error(`${file} row ${r + 1} ${header[c]}: '${ra[r][c]}' vs '${rb[r][c]}'`);
        const gap = Math.abs(a - b) / scale;
        if (gap > worstColumn && COARSE[header[c]] === undefined) {
          worstColumn = gap;
          where = `${file} ${header[c]}`;
        }
        if (gap > tol) throw new Error(`${file} row ${r + 1} ${header[c]}: js ${a}, wasm ${b}: gap ${gap.toExponential(2)} of the column's scale ${scale}`);
      }
    }
  }
  if (discrete) {
    // What the split leaves continuous: delta plus execution P&L, in the summary and on every bar.
    const sum = (s: Record<string, unknown>): number => (s['dealerPnl.delta'] as number) + (s['dealerPnl.execution'] as number);
    expect(sameDigits(sum(sa), sum(sb)), `summary delta + execution: js ${sum(sa)}, wasm ${sum(sb)}`).toBe(true);
    const la = readFileSync(join(dirA, 'timeseries.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const lb = readFileSync(join(dirB, 'timeseries.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const d = la[0].indexOf('pnl_delta');
    const e = la[0].indexOf('pnl_execution');
    const rounds = la[0].indexOf('cascade_rounds');
    let scale = 0;
    for (let r = 1; r < la.length; r++) scale = Math.max(scale, Math.abs(Number(la[r][d]) + Number(la[r][e])));
    let roundBars = 0;
    for (let r = 1; r < la.length; r++) {
      const gap = Math.abs(Number(la[r][d]) + Number(la[r][e]) - Number(lb[r][d]) - Number(lb[r][e])) / scale;
      expect(gap, `timeseries.csv row ${r} pnl_delta + pnl_execution`).toBeLessThanOrEqual(TWELVE);
      if (la[r][rounds] !== lb[r][rounds]) roundBars++;
    }
    expect(roundBars / (la.length - 1), 'bars whose round count differs').toBeLessThan(1e-3);
  }
  return { numbers, worstSummary, worstColumn, where };
}

/**
 * With the dealer alone the engine sends its hedge as one order when a
 * fixed-point solve succeeds, and falls back to rounds when it does not
 * (engine.soloHedge). A last-bit difference in the valuation can flip that
 * choice on a bar: 12 of 21,600 bars of the bench workload, 4 fills of
 * 77,853. Prices and the hedge position agree to 12 digits either way, but
 * the count of rounds and fills, each fill, and how the hedge's P&L splits
 * between delta and execution cost (one order's impact is all charged
 * against the mid before it) follow the choice. Those are compared as
 * counts (within 0.1%) and as the delta + execution sum (12 digits).
 */
const SPLIT_SUMMARY = new Set(['fills', 'meanCascadeRounds', 'executionCost', 'dealerPnl.execution', 'dealerPnl.delta']);
const SPLIT_COLUMNS = new Set(['cascade_rounds', 'pnl_delta', 'pnl_execution']);

async function runWith(kernel: 'js' | 'wasm', target: string, out: string): Promise<void> {
  setValuationKernel(kernel);
  const code = await main(['run', target, '--quiet', '--out', out, '--no-band']);
  expect(code).toBe(0);
}

const initial = valuationKernel();
afterEach(() => setValuationKernel(initial));

describe('whole runs: WASM kernel against the JavaScript kernel', () => {
  it('the default scenario: summary figures and CSV columns equal to 12 significant digits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-default-'));
    try {
      await runWith('js', 'default', join(dir, 'js'));
      await runWith('wasm', 'default', join(dir, 'wasm'));
      const r = compareRuns(join(dir, 'js'), join(dir, 'wasm'));
      console.log(`default scenario: ${r.numbers} numbers; largest gap: summary ${r.worstSummary.toExponential(2)}, CSV ${r.worstColumn.toExponential(2)} of column scale (${r.where})`);
      expect(r.numbers).toBeGreaterThan(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("the engine bench's workload (every-bar re-valuation): equal to 12 significant digits", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-bench-'));
    try {
      const bars = syntheticPathForCrash('btc-2020-03-12', { seed: 1, barMinutes: 1 }).series;
      const perBar = calibrateDepth1PctQuote(bars, { fractionOfHourlyQuoteVolume: 0.3, windowMs: MS_PER_DAY });
      let k = 1;
      while (k < bars.length - 1 && bars.time[k] < bars.time[0] + MS_PER_DAY) k++;
      // bench/engine.ts' scenario.
      const scenario = {
        name: 'bench-engine',
        data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12', barMinutes: 1 }, warmupBars: 0 },
        market: { liquidity: { kind: 'book' }, depth: { source: 'fixed', depth1PctQuote: perBar[k] } },
        dealer: {
          inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, strikes: 40, tenorsDays: [7, 14, 30, 60, 90] },
          hedge: { kind: 'every-bar' },
          revaluation: { mode: 'every-bar' },
        },
      };
      const file = join(dir, 'bench.json');
      writeFileSync(file, JSON.stringify(scenario));
      await runWith('js', file, join(dir, 'js'));
      await runWith('wasm', file, join(dir, 'wasm'));
      const r = compareRuns(join(dir, 'js'), join(dir, 'wasm'), true);
      console.log(`bench workload: ${r.numbers} numbers; largest gap: summary ${r.worstSummary.toExponential(2)}, CSV ${r.worstColumn.toExponential(2)} of column scale (${r.where})`);
      expect(r.numbers).toBeGreaterThan(100_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('the WASM book kernel follows the book', () => {
  function surface(): SurfaceDynamics {
    const s = new SurfaceDynamics({
      mode: 'sticky-strike',
      base: { params: { rho: -0.5, eta: 1.2, gamma: 0.4 }, term: { kind: 'flat' }, atmVol: 0.8 },
    } as ConstructorParameters<typeof SurfaceDynamics>[0]);
    s.update({ spot: 30_000, forward: 30_000, atmVol: 0.8, drawdown: 0, stress: 0 });
    s.update({ spot: 27_000, forward: 27_000, atmVol: 1.1, drawdown: 0.1, stress: 0 });
    return s;
  }

  const day = MS_PER_DAY;
  const now = 10 * day;
  /** A put 2 days out and a call 9 days out, in a book with room for `capacity`. */
  function twoOptions(capacity: number): OptionBook {
    const book = new OptionBook(capacity);
    book.add(25_000, now + 2 * day, -1, -3);
    book.add(30_000, now + 9 * day, 1, 2);
    return book;
  }

  it('after adds, expiries removed and a loaded state it values as the JavaScript kernel does', () => {
    const book = twoOptions(16);
    book.add(20_000, now + day / 2, -1, -5);
    const s = surface();
    const gj = makeBookGreeks();
    const gw = makeBookGreeks();
    const check = (spot: number, t: number): void => {
      setValuationKernel('js');
      valueBook(book, spot, t, s, 0.02, 0.0, gj);
      const vj = book.vol.slice(0, book.length);
      const pj = book.price.slice(0, book.length);
      setValuationKernel('wasm');
      valueBook(book, spot, t, s, 0.02, 0.0, gw);
      for (let i = 0; i < book.length; i++) {
        expect(sameDigits(book.vol[i], vj[i]), `vol ${i}`).toBe(true);
        expect(sameDigits(book.price[i], pj[i]), `price ${i}`).toBe(true);
      }
      for (const key of ['value', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga'] as const) {
        expect(sameDigits(gw[key], gj[key]), `${key}: ${gw[key]} vs ${gj[key]}`).toBe(true);
      }
      expect(gw.count).toBe(book.length);
      // The in-bar re-price at a new spot with the same vols.
      setValuationKernel('js');
      revalueAtSpot(book, spot * 0.97, 0.02, 0, gj);
      setValuationKernel('wasm');
      revalueAtSpot(book, spot * 0.97, 0.02, 0, gw);
      expect(sameDigits(gw.delta, gj.delta)).toBe(true);
      expect(sameDigits(gw.value, gj.value)).toBe(true);
    };
    check(27_000, now);
    const saved = new Float64Array(book.maxStateSize());
    book.saveState(saved);
    book.add(22_000, now + 30 * day, -1, -7);
    check(26_000, now);
    book.removeExpired(now + day, 26_000);
    expect(book.length).toBe(3);
    check(26_500, now + day);
    book.qty[0] *= 2; // quantities change in place (strategy accounts do this)
    check(26_500, now + day);
    book.loadState(saved);
    check(27_500, now + day);
    // Past expiry but still held: intrinsic, as the JavaScript kernel values it.
    check(27_500, now + 3 * day);
  });

  it('the book lends its columns to the kernel: the first WASM valuation moves them with their contents, and save and load follow', () => {
    const book = twoOptions(4);
    const s = surface();
    const g = makeBookGreeks();
    setValuationKernel('js');
    valueBook(book, 27_000, now, s, 0.02, 0, g);
    const before = { qty: book.qty, vol: book.vol, price: book.price };
    const values = { qty: Array.from(book.qty), vol: Array.from(book.vol), price: Array.from(book.price) };
    setValuationKernel('wasm');
    revalueAtSpot(book, 27_000, 0.02, 0, g); // same vols, same spot: the first WASM call moves the columns
    expect(book.qty).not.toBe(before.qty);
    expect(Array.from(book.qty)).toEqual(values.qty);
    expect(Array.from(book.vol)).toEqual(values.vol);
    for (let i = 0; i < 2; i++) expect(sameDigits(book.price[i], values.price[i])).toBe(true);
    // The old arrays no longer follow the book.
    valueBook(book, 26_000, now, s, 0.02, 0, g);
    expect(Array.from(before.price.subarray(0, 2))).toEqual(values.price.slice(0, 2));
    // Save and load read and write the moved columns.
    const saved = new Float64Array(book.maxStateSize());
    book.saveState(saved);
    const at26k = Array.from(book.price.subarray(0, 2));
    valueBook(book, 24_000, now, s, 0.02, 0, g);
    book.loadState(saved);
    expect(Array.from(book.price.subarray(0, 2))).toEqual(at26k);
    // And the JavaScript kernel values the moved columns as well.
    setValuationKernel('js');
    const gj = makeBookGreeks();
    valueBook(book, 26_000, now, s, 0.02, 0, gj);
    setValuationKernel('wasm');
    valueBook(book, 26_000, now, s, 0.02, 0, g);
    expect(sameDigits(g.value, gj.value)).toBe(true);
  });

  it("the P&L start columns live in the book's kernel: the vol-change sums there equal the JavaScript loop bit for bit, from the vol column and from the end-vol copy, and the snapshot copies there", () => {
    setValuationKernel('wasm');
    const book = twoOptions(8);
    book.add(20_000, now + day / 2, -1, -5);
    book.add(33_000, now + 20 * day, 1, 1.5);
    book.add(24_000, now + 20 * day, -1, -0.25);
    const s = surface();
    const g = makeBookGreeks();
    const storage = pnlStartStorage(book);
    if (storage === undefined) throw new Error('the WASM kernel gives no storage');
    const start = makePnlStart(book.capacity, storage);
    valueBook(book, 27_000, now, s, 0.02, 0, g);
    snapshotPnlStart(book, g, 27_000, 0, start);
    // The next bar: new surface vols (the book's vol column) and a copy of them, as an expiry bar takes.
    s.update({ spot: 25_000, forward: 25_000, atmVol: 1.4, drawdown: 0.17, stress: 0 });
    valueBook(book, 25_000, now + day / 4, s, 0.02, 0, g);
    storage.endVol.set(book.vol);
    for (const endVol of [book.vol, storage.endVol]) {
      const js = volChangeSums(start, endVol, makeVolChangeSums());
      const wasm = makeVolChangeSums();
      expect(volChangeSumsWasm(book, start, endVol, wasm)).toBe(true);
      expect(js.vega).not.toBe(0);
      for (const key of ['vega', 'vanna', 'volga'] as const) expect(Object.is(wasm[key], js[key]), `${key}: ${wasm[key]} vs ${js[key]}`).toBe(true);
      expect(volChangeSumsOf(book, start, endVol, makeVolChangeSums())).toEqual(js);
    }
    // Columns that are not the kernel's take the JavaScript loop.
    const own = makePnlStart(book.capacity);
    snapshotPnlStart(book, g, 25_000, 0, own);
    // The snapshot copies in the kernel to the same start as the JavaScript copy.
    expect(snapshotColumnsWasm(book, own)).toBe(false);
    snapshotPnlStartOf(book, g, 25_000, 0, start);
    for (const key of ['qty', 'vega', 'vol', 'vanna', 'volga'] as const) expect(Array.from(start[key].subarray(0, book.length))).toEqual(Array.from(own[key].subarray(0, book.length)));
    for (const key of ['spot', 'bookDelta', 'bookGamma', 'bookTheta', 'bookValue', 'hedge', 'count'] as const) expect(start[key]).toBe(own[key]);
    const other = book.vol.slice();
    expect(volChangeSumsWasm(book, own, book.vol, makeVolChangeSums())).toBe(false);
    expect(volChangeSumsWasm(book, start, other, makeVolChangeSums())).toBe(false);
    expect(volChangeSumsOf(book, start, other, makeVolChangeSums())).toEqual(volChangeSums(start, other, makeVolChangeSums()));
    // Storage of the wrong size is refused.
    expect(() => makePnlStart(book.capacity + 1, storage)).toThrow(/capacity/);
  });

  it('refuses an unknown kernel name', () => {
    expect(() => setValuationKernel('gpu' as 'js')).toThrow(/'js' or 'wasm'/);
  });
});
