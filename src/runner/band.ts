import type { Scenario } from '../config/scenario.js';
import type { InventoryBlock } from '../config/dealerSchema.js';
import type { RunData } from '../engine/run.js';
import { runBacktest } from './backtest.js';
import type { BuildOverrides } from './build.js';

/**
 * The result's band over the inputs nobody observes. The central run's
 * figures depend on book depth, the dealer's net gamma, the ladder's density,
 * the book's resilience and how fast its depth leaves as vol rises, none of
 * which history records. The band reruns
 * the scenario on the same path and seed with each of these moved one at a
 * time to a low and a high value (a one-at-a-time design, 2 runs per input),
 * and reports the range of the headline figures over all runs, the central
 * one included, and the input whose two runs move amplification the most.
 *
 * Design (documented in the README; fixed so that bands compare across runs):
 * - depth: the base 1% depth x0.5 and x2 (the fixed figure, or the fraction
 *   of hourly volume when calibrated from volume);
 * - dealer inventory: the book's size x0.5 and x2 (its net gamma scales with it);
 * - resilience: off (transient impact and book refill never decay) and
 *   doubled (half-lives halved);
 * - open interest: the generated ladder's total notional x0.5 and x2;
 * - liquidity withdrawal: the elasticity of depth to realised vol x0.5 and
 *   x1.5 (the default 1 against the 0.38 fitted on real crash files, and
 *   the top of the documented range), where the liquidity model applies it.
 * An input that the scenario does not have (no dealer, no protocol, a dealer
 * book from a CSV file) is left out and named in `skipped`.
 */

/** The figures a band reports; the strategy's simulated return only in a run with a strategy. */
interface Figures {
  readonly amplification: number | null;
  readonly badDebt: number | null;
  readonly liquidationVolume: number | null;
  readonly strategyReturn?: number | null;
}

interface Variation {
  readonly input: string;
  readonly low: { readonly label: string; readonly scenario: Scenario };
  readonly high: { readonly label: string; readonly scenario: Scenario };
}

export interface BandRun extends Figures {
  readonly label: string;
}

export interface Band {
  readonly design: string;
  readonly runs: number;
  readonly amplification: { readonly low: number; readonly high: number };
  readonly badDebt: { readonly low: number; readonly high: number } | null;
  readonly liquidationVolume: { readonly low: number; readonly high: number } | null;
  /** The strategy's simulated return (a fraction of its capital) over the runs; only with a strategy. */
  readonly strategyReturn?: { readonly low: number; readonly high: number } | null;
  /** The input whose low and high runs differ most in amplification. */
  readonly movedMostBy: string;
  readonly inputs: Record<string, { readonly low: BandRun; readonly high: BandRun; readonly amplificationSwing: number }>;
  readonly skipped: readonly string[];
}

export const BAND_DESIGN = 'one at a time: depth x0.5/x2, dealer inventory x0.5/x2, resilience off/doubled, open interest x0.5/x2, liquidity withdrawal x0.5/x1.5';

function variant(s: Scenario, edit: (c: Scenario) => void): Scenario {
  const c = structuredClone(s);
  edit(c);
  return c;
}

function scaleDepth(c: Scenario, f: number): void {
  const d = c.market.depth;
  if (d.source === 'fixed') d.depth1PctQuote *= f;
  else d.fractionOfHourlyQuoteVolume *= f;
}

function inventoryBlocks(c: Scenario): InventoryBlock[] {
  return Array.isArray(c.dealer.inventory) ? c.dealer.inventory : [c.dealer.inventory];
}

/** A book scales when every block has a size: none and CSV blocks do not (a CSV block would stay at its size). */
function inventoryScales(s: Scenario): boolean {
  return inventoryBlocks(s).every((b) => b.kind === 'customer-crash-puts' || b.kind === 'yield-vault-puts' || b.kind === 'log-uniform-strip');
}

function scaleInventory(c: Scenario, f: number): void {
  for (const inv of inventoryBlocks(c)) {
    if (inv.kind === 'customer-crash-puts') inv.totalQtyBase *= f;
    else if (inv.kind === 'yield-vault-puts') inv.notionalBase *= f;
    else if (inv.kind === 'log-uniform-strip') inv.qtyPerStrike *= f;
  }
}

function setResilience(c: Scenario, factor: number): void {
  const l = c.market.liquidity;
  l.transientHalfLifeMs = factor === 0 ? Infinity : l.transientHalfLifeMs / factor;
  if (l.kind === 'book') l.refillHalfLifeMs = factor === 0 ? Infinity : l.refillHalfLifeMs / factor;
}

/** The generated ladder scales through its total notional; accounts from a file, or sizes as drawn, do not. */
function openInterestScales(s: Scenario): boolean {
  const p = s.protocol.population;
  return s.protocol.enabled && p.kind === 'generated' && p.totalNotionalQuote !== undefined;
}

function scaleOpenInterest(c: Scenario, f: number): void {
  const p = c.protocol.population;
  if (p.kind === 'generated' && p.totalNotionalQuote !== undefined) p.totalNotionalQuote *= f;
}

/** Depth leaves with realised vol in the linear and book models; the square-root model's impact already grows with vol. */
function withdrawalScales(s: Scenario): boolean {
  return s.market.withdrawal.elasticity > 0 && s.market.liquidity.kind !== 'sqrt';
}

function scaleWithdrawal(c: Scenario, f: number): void {
  c.market.withdrawal.elasticity *= f;
}

/** An input scaled by a low and a high factor, labelled `x<factor>`. */
function scaled(s: Scenario, input: string, low: number, high: number, scale: (c: Scenario, f: number) => void): Variation {
  return {
    input,
    low: { label: `x${low}`, scenario: variant(s, (c) => scale(c, low)) },
    high: { label: `x${high}`, scenario: variant(s, (c) => scale(c, high)) },
  };
}

/** The variations this scenario admits, and the inputs it does not have. */
export function bandDesign(s: Scenario): { variations: Variation[]; skipped: string[] } {
  const variations: Variation[] = [scaled(s, 'depth', 0.5, 2, scaleDepth)];
  const skipped: string[] = [];
  if (inventoryScales(s)) variations.push(scaled(s, 'dealer inventory', 0.5, 2, scaleInventory));
  else skipped.push('dealer inventory (none, or a block from a CSV file or an option chain: no size to scale; sweep a chain block\'s fraction instead)');
  variations.push({
    input: 'resilience',
    low: { label: 'off', scenario: variant(s, (c) => setResilience(c, 0)) },
    high: { label: 'doubled', scenario: variant(s, (c) => setResilience(c, 2)) },
  });
  if (openInterestScales(s)) variations.push(scaled(s, 'open interest', 0.5, 2, scaleOpenInterest));
  else skipped.push(s.protocol.enabled ? 'open interest (accounts from a file, or no protocol.population.totalNotionalQuote to scale)' : 'open interest (no protocol)');
  if (withdrawalScales(s)) variations.push(scaled(s, 'liquidity withdrawal', 0.5, 1.5, scaleWithdrawal));
  else skipped.push('liquidity withdrawal (market.withdrawal.elasticity 0, or the square-root model, whose impact already grows with vol)');
  return { variations, skipped };
}

function figuresOf(f: Record<string, unknown>): Figures {
  const num = (k: string): number | null => (typeof f[k] === 'number' ? (f[k] as number) : null);
  const base = { amplification: num('amplification'), badDebt: num('badDebt'), liquidationVolume: num('liquidationVolume') };
  const strategy = f.strategy as { simulated?: { returnFraction?: unknown } } | undefined;
  if (strategy === undefined) return base;
  const r = strategy.simulated?.returnFraction;
  return { ...base, strategyReturn: typeof r === 'number' && Number.isFinite(r) ? r : null };
}

function range(values: ReadonlyArray<number | null>): { low: number; high: number } | null {
  const v = values.filter((x): x is number => x !== null);
  if (v.length === 0) return null;
  return { low: Math.min(...v), high: Math.max(...v) };
}

/**
 * Runs the band's variations on the same data and seed. `central` holds the
 * central run's figures; `onRun` reports progress.
 */
export function computeBand(
  scenario: Scenario,
  data: RunData,
  baseDir: string,
  central: Record<string, unknown>,
  onRun?: (done: number, total: number) => void,
  overrides: BuildOverrides = {},
): Band {
  const { variations, skipped } = bandDesign(scenario);
  const inputs: Record<string, { low: BandRun; high: BandRun; amplificationSwing: number }> = {};
  const all: Figures[] = [figuresOf(central)];
  const total = variations.length * 2;
  let done = 0;
  let most = '';
  let mostSwing = -1;
  for (const v of variations) {
    const runs = [v.low, v.high].map((side) => {
      const f = figuresOf(runBacktest(side.scenario, data, baseDir, {}, overrides).figures);
      onRun?.(++done, total);
      all.push(f);
      return { label: side.label, ...f };
    });
    const swing = Math.abs((runs[1].amplification ?? 1) - (runs[0].amplification ?? 1));
    inputs[v.input] = { low: runs[0], high: runs[1], amplificationSwing: swing };
    if (swing > mostSwing) {
      mostSwing = swing;
      most = v.input;
    }
  }
  return {
    design: BAND_DESIGN,
    runs: total,
    amplification: range(all.map((f) => f.amplification)) as { low: number; high: number },
    badDebt: range(all.map((f) => f.badDebt)),
    liquidationVolume: range(all.map((f) => f.liquidationVolume)),
    ...(central.strategy !== undefined ? { strategyReturn: range(all.map((f) => f.strategyReturn ?? null)) } : {}),
    movedMostBy: most,
    inputs,
    skipped,
  };
}
