/**
 * Protocol benchmark: a loop that mimics what the protocol agent asks of the
 * ladder in a 14-day run of 1-minute bars (20,160 bars on a GBM path):
 * every bar, read topKey, liquidate every account whose key/m is above the
 * price (popTop, a 50% close factor with a 1% penalty that modifies and
 * re-files the account, or closes it when little is left), and sum the
 * collateral with liquidation prices within 10% below the price (the MLR
 * window). Run with 1,000 and with 1,000,000 perp accounts (Hyperliquid mix).
 *
 * Issue target: the 1,000,000 case at most 1.3x the 1,000 case per bar. The
 * work per bar is O(log n + liquidated), and the number liquidated grows
 * with n on the same path, so the full-loop ratio cannot meet that; the
 * benchmark therefore also prints the two parts the target is about: the
 * per-bar query cost (topKey and window sums, no liquidation) and the cost
 * per liquidation. Population and ladder build times are printed apart.
 */
import { Rng } from '../src/core/rng.js';
import { AccountBook } from '../src/protocol/accounts.js';
import { Ladder, ladderGridAround, type LadderGrid } from '../src/protocol/ladder.js';
import { entrySchema, venueSchema } from '../src/config/protocolSchema.js';
import { generatePopulation } from '../src/protocol/population.js';

const BARS = 20_160;
const S0 = 60_000;
const M = 1; // threshold multiplier
const CLOSE_FACTOR = 0.5;
const PENALTY = 0.01;
/** Accounts whose remaining collateral is worth less than this (quote) are closed outright. */
const DUST_QUOTE = 10;

/**
 * GBM at 80% annual volatility in 1-minute steps with a drift that takes the
 * median path 25% down over the 14 days, so the ladder is worked through
 * (a flat path liquidates almost nobody and measures nothing).
 */
function gbmPath(seed: number): Float64Array {
  const rng = new Rng(seed);
  const sigma = 0.8 * Math.sqrt(1 / (365 * 24 * 60));
  const mu = Math.log(0.75) / BARS;
  const p = new Float64Array(BARS);
  let x = Math.log(S0);
  for (let t = 0; t < BARS; t++) {
    x += mu + sigma * rng.normal();
    p[t] = Math.exp(x);
  }
  return p;
}

function copyBook(src: AccountBook): AccountBook {
  const b = new AccountBook(src.capacity);
  for (let i = 0; i < src.length; i++) b.add(src.collateral[i], src.debt[i], src.threshold[i]);
  return b;
}

interface LoopResult {
  ms: number;
  liquidations: number;
  closed: number;
  checksum: number;
}

function fullLoop(ladder: Ladder, path: Float64Array, journal: boolean): LoopResult {
  const book = ladder.book;
  let liquidations = 0;
  let closed = 0;
  let checksum = 0;
  const t0 = performance.now();
  for (let t = 0; t < path.length; t++) {
    const p = path[t];
    if (journal) ladder.beginJournal();
    while (ladder.topKey() > M * p) {
      const i = ladder.popTop();
      const repay = CLOSE_FACTOR * book.debt[i];
      const seized = (repay * (1 + PENALTY)) / p;
      const left = book.collateral[i] - seized;
      if (left * p < DUST_QUOTE) {
        book.close(i);
        closed++;
      } else ladder.modify(i, left, book.debt[i] - repay);
      liquidations++;
    }
    checksum += ladder.collateralWithKeyIn(0.9 * M * p, M * p);
    if (journal) ladder.commitJournal();
  }
  return { ms: performance.now() - t0, liquidations, closed, checksum };
}

function queryLoop(ladder: Ladder, path: Float64Array): number {
  let checksum = 0;
  const t0 = performance.now();
  for (let t = 0; t < path.length; t++) {
    const p = path[t];
    checksum += ladder.topKey() > M * p ? 1 : 0;
    checksum += ladder.collateralWithKeyIn(0.9 * M * p, M * p);
  }
  const ms = performance.now() - t0;
  if (checksum === -1) console.log('unreachable'); // keep the loop's result alive
  return ms;
}

interface CaseResult {
  n: number;
  fullNsPerBar: number;
  queryNsPerBar: number;
  nsPerLiquidation: number;
  journalNsPerBar: number;
}

function runCase(n: number, path: Float64Array, grid: LadderGrid, log: (line: string) => void): CaseResult {
  const tPop = performance.now();
  const pop = generatePopulation({ count: n, startPrice: S0, venue: venueSchema.parse({ kind: 'perp' }), size: { kind: 'lognormal', median: 0.1, logSd: 1, unit: 'base' }, entry: entrySchema.parse({ kind: 'lognormal' }) }, new Rng(7));
  const popMs = performance.now() - tPop;
  const tBuild = performance.now();
  Ladder.fromBook(copyBook(pop.book), grid);
  const buildMs = performance.now() - tBuild;
  log(`protocol n=${n.toLocaleString('en-US')}: population ${popMs.toFixed(0)} ms (${pop.report.redraws.toLocaleString('en-US')} redraws), copy + Ladder.fromBook ${buildMs.toFixed(0)} ms (not timed below)`);

  // At 1,000 accounts the liquidations are a small part of a loop of a few ms, so their cost is the median
  // of many paired differences (full loop, then the query loop right after it), not a difference of two
  // separately taken minima, which swung from 0.1 to 1.3 us per liquidation between runs.
  const reps = n >= 100_000 ? 3 : 41;
  let best: LoopResult | null = null;
  let bestJ = Infinity;
  let q = Infinity;
  const diffs: number[] = [];
  for (let k = 0; k < reps + 1; k++) {
    const r = fullLoop(Ladder.fromBook(copyBook(pop.book), grid), path, false);
    const qms = queryLoop(Ladder.fromBook(copyBook(pop.book), grid), path);
    if (k > 0) {
      // The first pair warms the JIT.
      if (best === null || r.ms < best.ms) best = r;
      q = Math.min(q, qms);
      diffs.push(r.ms - qms);
    }
    const rj = fullLoop(Ladder.fromBook(copyBook(pop.book), grid), path, true);
    if (k > 0) bestJ = Math.min(bestJ, rj.ms);
  }
  const b = best!;
  const fullNs = (b.ms * 1e6) / BARS;
  const queryNs = (q * 1e6) / BARS;
  // The query loop does the full loop's per-bar reads without liquidating, so the difference is the liquidations' cost.
  diffs.sort((x, y) => x - y);
  const medianDiff = diffs[(diffs.length - 1) >> 1];
  const perLiq = b.liquidations > 0 ? (medianDiff * 1e6) / b.liquidations : NaN;
  log(
    `protocol n=${n.toLocaleString('en-US')}: full loop best of ${reps}: ${b.ms.toFixed(1)} ms = ${Math.round(BARS / (b.ms / 1000)).toLocaleString('en-US')} bars/s ` +
      `(${fullNs.toFixed(0)} ns/bar); ${b.liquidations.toLocaleString('en-US')} liquidations (${b.closed.toLocaleString('en-US')} closed), ${(b.liquidations / BARS).toFixed(2)}/bar, ~${perLiq.toFixed(0)} ns each`,
  );
  log(`protocol n=${n.toLocaleString('en-US')}: with begin/commit journal every bar: ${bestJ.toFixed(1)} ms (${((bestJ * 1e6) / BARS).toFixed(0)} ns/bar, x${(bestJ / b.ms).toFixed(2)})`);
  log(`protocol n=${n.toLocaleString('en-US')}: queries only (topKey + 10% window sum): ${queryNs.toFixed(0)} ns/bar`);
  return { n, fullNsPerBar: fullNs, queryNsPerBar: queryNs, nsPerLiquidation: perLiq, journalNsPerBar: (bestJ * 1e6) / BARS };
}

export async function benchProtocol(log: (line: string) => void): Promise<void> {
  const path = gbmPath(1);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of path) {
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  const grid = ladderGridAround(S0);
  log(`protocol: ${BARS} 1-minute bars (14 days), GBM 80%/yr sliding 25% from ${S0}: low ${lo.toFixed(0)}, high ${hi.toFixed(0)}; grid 1 bp from ${grid.keyMin} to ${grid.keyMax}`);
  const small = runCase(1_000, path, grid, log);
  const large = runCase(1_000_000, path, grid, log);
  const r = (a: number, b: number) => (a / b).toFixed(2);
  log(`protocol ratio 1,000,000 / 1,000: full loop per bar x${r(large.fullNsPerBar, small.fullNsPerBar)} (grows with the liquidations per bar, which grow with n)`);
  log(`protocol ratio 1,000,000 / 1,000: queries per bar x${r(large.queryNsPerBar, small.queryNsPerBar)} (target <= 1.3x), per liquidation x${r(large.nsPerLiquidation, small.nsPerLiquidation)} (target < 3x)`);
}

if (process.argv[1] !== undefined && /bench[\\/]protocol\.ts$/.test(process.argv[1])) {
  await benchProtocol((line) => console.log(line));
}
