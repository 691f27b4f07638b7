/**
 * Generators of the dealer's starting inventory, a CSV loader, and rolling.
 * Strikes are set relative to the run's first spot and expiries relative to
 * its start time ({@link RunStart}), so one inventory description fits any
 * replayed crash. Sign convention everywhere: qty is the DEALER's signed
 * quantity in base units (qty < 0: the dealer is short).
 */
import type { InventoryConfig } from '../config/dealerSchema.js';
import { ConfigError, DataError } from '../core/errors.js';
import { readInputText } from '../core/files.js';
import type { Rng } from '../core/rng.js';
import { MS_PER_DAY, MS_PER_YEAR, parseIsoUtc } from '../core/time.js';
import { readRawTable, checkColumnCounts, parseNumberField } from '../data/csv/table.js';
import { bsEval, OUT_PRICE, OUT_SIZE } from '../pricing/kernel.js';
import type { VolSurface } from '../sim/volSurface.js';
import { CALL, PUT, OptionBook } from './book.js';
import type { OptionSpec } from './book.js';

/** Where the run starts: the anchor of relative strikes and tenors. */
export interface RunStart {
  /** Spot at the first bar, quote per base. */
  readonly spot0: number;
  /** First bar's time, epoch ms UTC. */
  readonly startMs: number;
}

function positive(value: number, field: string): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(`must be a positive finite number, got ${value}`, { field });
}

function positiveInt(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`must be an integer >= 1, got ${value}`, { field });
}

function checkStart(start: RunStart): void {
  positive(start.spot0, 'spot0');
  if (!Number.isFinite(start.startMs)) throw new ConfigError(`must be finite epoch ms, got ${start.startMs}`, { field: 'startMs' });
}

// ---------------------------------------------------------------------------
// Customer crash puts
// ---------------------------------------------------------------------------

/**
 * How the customers' total quantity is spread over the (strike, tenor) grid.
 * - 'equal': the same quantity in every cell.
 * - 'short-dated': weight ∝ 1/tenor in each strike column (protection is
 *   bought mostly in the front weeks).
 * - 'random': Dirichlet(1,…,1) weights over the cells drawn from the Rng
 *   passed in (normalised exponential draws; deterministic for a seed).
 */
export type CrashPutWeighting = 'equal' | 'short-dated' | 'random';

/**
 * The schema's `dealer.inventory` of kind customer-crash-puts
 * (config/dealerSchema.ts, where the defaults live): customers' total long
 * quantity (the dealer holds −totalQtyBase in sum), strikes linearly spaced
 * in moneyness (strike / spot0) from min to max inclusive, tenors in days.
 */
export type CustomerCrashPutsConfig = Omit<Extract<InventoryConfig, { kind: 'customer-crash-puts' }>, 'kind'>;

/**
 * Customers buy crash puts; the dealer sells them, so every returned qty is
 * negative (the dealer is short puts, short gamma: its hedge sells into a
 * fall, the amplifying case of docs/model.md#the-dealer). `rng` is required for weighting
 * 'random' and unused otherwise.
 */
export function customerCrashPuts(cfg: CustomerCrashPutsConfig, start: RunStart, rng?: Rng): OptionSpec[] {
  checkStart(start);
  const f = 'dealer.inventory.customerCrashPuts';
  positive(cfg.totalQtyBase, `${f}.totalQtyBase`);
  positive(cfg.moneynessMin, `${f}.moneynessMin`);
  positive(cfg.moneynessMax, `${f}.moneynessMax`);
  if (cfg.moneynessMax < cfg.moneynessMin) {
    throw new ConfigError(`must be >= moneynessMin (${cfg.moneynessMin}), got ${cfg.moneynessMax}`, { field: `${f}.moneynessMax` });
  }
  positiveInt(cfg.strikes, `${f}.strikes`);
  if (cfg.strikes > 1 && cfg.moneynessMax === cfg.moneynessMin) {
    throw new ConfigError(`${cfg.strikes} strikes need moneynessMax > moneynessMin`, { field: `${f}.moneynessMax` });
  }
  if (cfg.tenorsDays.length === 0) throw new ConfigError('needs at least one tenor', { field: `${f}.tenorsDays` });
  cfg.tenorsDays.forEach((d, k) => positive(d, `${f}.tenorsDays[${k}]`));
  const weighting = cfg.weighting;
  if (weighting === 'random' && rng === undefined) {
    throw new ConfigError("weighting 'random' needs a seeded Rng", { field: `${f}.weighting` });
  }

  const nK = cfg.strikes;
  const nT = cfg.tenorsDays.length;
  const w = new Float64Array(nK * nT);
  for (let a = 0; a < nK; a++) {
    for (let b = 0; b < nT; b++) {
      const cell = a * nT + b;
      if (weighting === 'equal') w[cell] = 1;
      else if (weighting === 'short-dated') w[cell] = 1 / cfg.tenorsDays[b];
      else if (weighting === 'random') w[cell] = (rng as Rng).exponential(1);
      else throw new ConfigError(`unknown weighting '${String(weighting)}' (equal, short-dated, random)`, { field: `${f}.weighting` });
    }
  }
  let sum = 0;
  for (let c = 0; c < w.length; c++) sum += w[c];

  const specs: OptionSpec[] = [];
  for (let a = 0; a < nK; a++) {
    const m = nK === 1 ? cfg.moneynessMin : cfg.moneynessMin + ((cfg.moneynessMax - cfg.moneynessMin) * a) / (nK - 1);
    for (let b = 0; b < nT; b++) {
      const tenorMs = cfg.tenorsDays[b] * MS_PER_DAY;
      specs.push({
        strike: m * start.spot0,
        expiryMs: start.startMs + tenorMs,
        kind: PUT,
        qty: -(cfg.totalQtyBase * w[a * nT + b]) / sum,
        tenorMs,
        moneyness: m,
      });
    }
  }
  return specs;
}

// ---------------------------------------------------------------------------
// Yield vault weekly puts
// ---------------------------------------------------------------------------

/**
 * The schema's `dealer.inventory` of kind yield-vault-puts (where the
 * defaults live): the vault's collateral written as puts, `otmPct` percent
 * of spot out of the money. With dealerSide 'long' the vault writes the puts
 * and sells them to the dealer, so the DEALER IS LONG them (long gamma): its
 * hedge buys into a fall and damps the move, Frey–Stremme with the opposite
 * sign; 'short' models the vault's own side as the hedger (or a dealer that
 * wrote puts to the vault's buyers).
 */
export type YieldVaultPutsConfig = Omit<Extract<InventoryConfig, { kind: 'yield-vault-puts' }>, 'kind'>;

/**
 * A covered-put yield vault's weekly OTM put (one strike, one expiry); with
 * RollPolicy 'same-moneyness' it is re-written every week at the same
 * distance from the then spot, which is how these vaults run.
 */
export function yieldVaultWeeklyPuts(cfg: YieldVaultPutsConfig, start: RunStart): OptionSpec[] {
  checkStart(start);
  const f = 'dealer.inventory.yieldVaultWeeklyPuts';
  positive(cfg.notionalBase, `${f}.notionalBase`);
  if (!(cfg.otmPct >= 0 && cfg.otmPct < 100)) throw new ConfigError(`must lie in [0, 100), got ${cfg.otmPct}`, { field: `${f}.otmPct` });
  const tenorDays = cfg.tenorDays;
  positive(tenorDays, `${f}.tenorDays`);
  const side = cfg.dealerSide;
  if (side !== 'long' && side !== 'short') throw new ConfigError(`must be 'long' or 'short', got '${String(side)}'`, { field: `${f}.dealerSide` });
  const m = 1 - cfg.otmPct / 100;
  const tenorMs = tenorDays * MS_PER_DAY;
  return [{
    strike: m * start.spot0,
    expiryMs: start.startMs + tenorMs,
    kind: PUT,
    qty: side === 'long' ? cfg.notionalBase : -cfg.notionalBase,
    tenorMs,
    moneyness: m,
  }];
}

// ---------------------------------------------------------------------------
// Log-uniform strip
// ---------------------------------------------------------------------------

export interface LogUniformStripConfig {
  /** Quantity per strike, base units (> 0); the sign comes from `side`. */
  readonly qtyPerStrike: number;
  /** Lowest strike, quote (absolute, not relative to spot0). */
  readonly strikeMin: number;
  /** Highest strike, quote (> strikeMin). */
  readonly strikeMax: number;
  /** Number of strikes (≥ 2), K_i = strikeMin (strikeMax/strikeMin)^{i/(count−1)}. */
  readonly count: number;
  readonly tenorDays: number;
  readonly kind: 'call' | 'put';
  /** Dealer's side. */
  readonly side: 'long' | 'short';
}

/**
 * Equal quantity per strike on a log-uniform grid. Because the Black-Scholes
 * gamma is Γ(S,K) = φ(d1) e^{−qT}/(S σ√T) with d1 linear in ln K, summing it
 * over strikes spaced h apart in ln K approximates (1/h)∫Γ d ln K =
 * e^{−qT}/(S h): S·Γ_book is then flat in S (flat vol, away from the grid
 * edges by a few σ√T, and with h below σ√T so the sum is a good integral).
 * The engine's Frey–Stremme test uses it to hold λ S Γ_book constant; the
 * level is {@link logUniformStripSpotGamma}.
 */
export function logUniformStrip(cfg: LogUniformStripConfig, start: RunStart): OptionSpec[] {
  checkStart(start);
  const f = 'dealer.inventory.logUniformStrip';
  positive(cfg.qtyPerStrike, `${f}.qtyPerStrike`);
  positive(cfg.strikeMin, `${f}.strikeMin`);
  positive(cfg.strikeMax, `${f}.strikeMax`);
  if (!(cfg.strikeMax > cfg.strikeMin)) throw new ConfigError(`must be > strikeMin (${cfg.strikeMin}), got ${cfg.strikeMax}`, { field: `${f}.strikeMax` });
  if (!Number.isInteger(cfg.count) || cfg.count < 2) throw new ConfigError(`must be an integer >= 2, got ${cfg.count}`, { field: `${f}.count` });
  positive(cfg.tenorDays, `${f}.tenorDays`);
  if (cfg.kind !== 'call' && cfg.kind !== 'put') throw new ConfigError(`must be 'call' or 'put', got '${String(cfg.kind)}'`, { field: `${f}.kind` });
  if (cfg.side !== 'long' && cfg.side !== 'short') throw new ConfigError(`must be 'long' or 'short', got '${String(cfg.side)}'`, { field: `${f}.side` });
  const tenorMs = cfg.tenorDays * MS_PER_DAY;
  const span = Math.log(cfg.strikeMax / cfg.strikeMin);
  const qty = cfg.side === 'long' ? cfg.qtyPerStrike : -cfg.qtyPerStrike;
  const kind = cfg.kind === 'call' ? CALL : PUT;
  const specs: OptionSpec[] = [];
  for (let i = 0; i < cfg.count; i++) {
    const strike = i === cfg.count - 1 ? cfg.strikeMax : cfg.strikeMin * Math.exp((span * i) / (cfg.count - 1));
    specs.push({ strike, expiryMs: start.startMs + tenorMs, kind, qty, tenorMs, moneyness: strike / start.spot0 });
  }
  return specs;
}

/**
 * The interior level of S·Γ_book for a {@link logUniformStrip} (quote ×
 * base²/quote = base units): ±qtyPerStrike e^{−qT} / h with h the log strike
 * spacing, + for a long strip. `years` is the remaining time to expiry.
 */
export function logUniformStripSpotGamma(cfg: LogUniformStripConfig, dividend: number, years: number): number {
  const h = Math.log(cfg.strikeMax / cfg.strikeMin) / (cfg.count - 1);
  const sign = cfg.side === 'long' ? 1 : -1;
  return (sign * cfg.qtyPerStrike * Math.exp(-dividend * years)) / h;
}

// ---------------------------------------------------------------------------
// CSV loader
// ---------------------------------------------------------------------------

const BOOK_HEADER = ['strike', 'expiry', 'type', 'qty'] as const;

/**
 * Parses a book CSV: header `strike,expiry,type,qty` (any column order,
 * case-insensitive names), one option per row.
 * - strike: quote per base, > 0.
 * - expiry: ISO-8601 UTC (`2020-03-27T08:00:00Z`, or a date meaning 00:00Z),
 *   strictly after the run start (an option already expired at the start
 *   is an input mistake, not something to settle silently).
 * - type: `call`/`put` (also `c`/`p`), case-insensitive.
 * - qty: the DEALER's signed quantity in base units, non-zero.
 * Absolute expiries were chosen over a `years` column because books come
 * from exchange exports, which carry dates. `spot0`, when given, records
 * moneyness K/spot0 so RollPolicy 'same-moneyness' can roll CSV options;
 * tenor is expiry − startMs.
 */
export function parseBookCsv(text: string, file: string, startMs: number, spot0?: number): OptionSpec[] {
  const t = readRawTable(text, file);
  const header = t.records[0].map((h) => h.toLowerCase());
  const col = new Map<string, number>();
  header.forEach((h, k) => {
    if (col.has(h)) throw new DataError(`duplicate column '${h}'`, { file, line: t.lines[0], field: h });
    col.set(h, k);
  });
  for (const need of BOOK_HEADER) {
    if (!col.has(need)) throw new DataError(`missing column '${need}' (header must contain strike,expiry,type,qty)`, { file, line: t.lines[0], field: need });
  }
  for (const h of header) {
    if (!(BOOK_HEADER as readonly string[]).includes(h)) throw new DataError(`unknown column '${h}' (allowed: strike,expiry,type,qty)`, { file, line: t.lines[0], field: h });
  }
  // A trailing newline leaves one empty record at the end; it is not data.
  let last = t.records.length - 1;
  while (last > 0 && t.records[last].length === 1 && t.records[last][0] === '') last--;
  const trimmed = { ...t, records: t.records.slice(0, last + 1), lines: t.lines.slice(0, last + 1) };
  checkColumnCounts(trimmed, 1, header.length, header);
  if (last < 1) throw new DataError('no options after the header', { file, line: t.lines[0] });

  const specs: OptionSpec[] = [];
  for (let r = 1; r <= last; r++) {
    const rec = t.records[r];
    const line = t.lines[r];
    const strike = parseNumberField(rec[col.get('strike') as number], file, line, 'strike');
    if (!(strike > 0)) throw new DataError(`strike must be > 0, got ${strike}`, { file, line, field: 'strike' });
    const expiryMs = parseIsoUtc(rec[col.get('expiry') as number], { file, line, field: 'expiry' });
    if (!(expiryMs > startMs)) {
      throw new DataError(`expiry ${rec[col.get('expiry') as number]} is not after the run start`, { file, line, field: 'expiry' });
    }
    const typeText = rec[col.get('type') as number].toLowerCase();
    const kind = typeText === 'call' || typeText === 'c' ? CALL : typeText === 'put' || typeText === 'p' ? PUT : 0;
    if (kind === 0) throw new DataError(`type must be call or put, got '${rec[col.get('type') as number]}'`, { file, line, field: 'type' });
    const qty = parseNumberField(rec[col.get('qty') as number], file, line, 'qty');
    if (qty === 0) throw new DataError('qty must be non-zero (the dealer\'s signed quantity in base units)', { file, line, field: 'qty' });
    specs.push({
      strike,
      expiryMs,
      kind,
      qty,
      tenorMs: expiryMs - startMs,
      moneyness: spot0 !== undefined ? strike / spot0 : NaN,
    });
  }
  return specs;
}

/** Reads and parses a book CSV file; see {@link parseBookCsv} for the format. */
export function loadBookCsv(path: string, startMs: number, spot0?: number): OptionSpec[] {
  const text = readInputText(path, { label: 'book file' });
  return parseBookCsv(text, path, startMs, spot0);
}

// ---------------------------------------------------------------------------
// Rolling
// ---------------------------------------------------------------------------

/**
 * What happens when an option expires.
 * - 'none': it settles and is gone.
 * - 'same-moneyness': the same customers buy (or the vault writes) a new
 *   option with the same kind, quantity and tenor, struck at the same
 *   strike/spot ratio against the spot at expiry. Options with unknown tenor
 *   or moneyness (NaN) are not rolled.
 */
export type RollPolicy = 'none' | 'same-moneyness';

/** A replacement contract (mutable so the engine can reuse one object). */
export interface Replacement {
  strike: number;
  expiryMs: number;
  kind: 1 | -1;
  qty: number;
  tenorMs: number;
  moneyness: number;
}

/**
 * The contract that replaces an expiring one under 'same-moneyness'
 * (pure): strike = moneyness · spot, expiry = nowMs + tenorMs. Returns
 * undefined when the option cannot be rolled (unknown tenor or moneyness).
 */
export function rollReplacement(
  expiring: Pick<OptionSpec, 'kind' | 'qty' | 'tenorMs' | 'moneyness'>,
  spot: number,
  nowMs: number,
  out: Replacement = { strike: 0, expiryMs: 0, kind: PUT, qty: 0, tenorMs: 0, moneyness: 0 },
): Replacement | undefined {
  const tenorMs = expiring.tenorMs ?? NaN;
  const m = expiring.moneyness ?? NaN;
  if (!(tenorMs > 0) || !(m > 0)) return undefined;
  out.strike = m * spot;
  out.expiryMs = nowMs + tenorMs;
  out.kind = expiring.kind;
  out.qty = expiring.qty;
  out.tenorMs = tenorMs;
  out.moneyness = m;
  return out;
}

/** Cash flows of one {@link settleAndRoll} call, quote currency, to the dealer. */
export interface RollFlows {
  /** Σ qty · intrinsic of the options that expired. */
  settlementCash: number;
  /** −Σ qty · price of the replacements: premium the dealer receives for what it sold (pays for what it bought). */
  premiumCash: number;
  /** Σ qty · price of the replacements at sale: their value in the book (premiumCash + newValue = 0 at the surface price). */
  newValue: number;
  expired: number;
  rolled: number;
}

export function makeRollFlows(): RollFlows {
  return { settlementCash: 0, premiumCash: 0, newValue: 0, expired: 0, rolled: 0 };
}

const priceScratch = new Float64Array(OUT_SIZE);

/** State shared with the settle callback, so settleAndRoll builds no closure per call. */
const rollCtx: { staging: OptionBook | undefined; roll: boolean; nowMs: number; spot: number; expired: number } = {
  staging: undefined, roll: false, nowMs: 0, spot: 0, expired: 0,
};

function stageReplacement(b: OptionBook, i: number): void {
  rollCtx.expired++;
  if (!rollCtx.roll) return;
  const tenorMs = b.tenorMs[i];
  const m = b.moneyness[i];
  if (!(tenorMs > 0) || !(m > 0)) return;
  (rollCtx.staging as OptionBook).add(m * rollCtx.spot, rollCtx.nowMs + tenorMs, b.kind[i], b.qty[i], tenorMs, m);
}

/**
 * End-of-bar expiry handling: settles every option with expiry <= nowMs at
 * intrinsic against `spot`, and under 'same-moneyness' writes its
 * replacement, priced at the surface vol, into the book. `staging` is a
 * caller-owned book of capacity >= the main book's (reused every bar), so
 * nothing is allocated. Replacements are appended after the survivors.
 */
export function settleAndRoll(
  book: OptionBook,
  staging: OptionBook,
  nowMs: number,
  spot: number,
  policy: RollPolicy,
  surface: VolSurface,
  rate: number,
  dividend: number,
  out: RollFlows,
  yearMs: number = MS_PER_YEAR,
): RollFlows {
  out.settlementCash = 0;
  out.premiumCash = 0;
  out.newValue = 0;
  out.expired = 0;
  out.rolled = 0;
  staging.clear();
  const roll = policy === 'same-moneyness';
  if (!roll && policy !== 'none') throw new ConfigError(`unknown roll policy '${String(policy)}' (none, same-moneyness)`, { field: 'dealer.roll' });
  rollCtx.staging = staging;
  rollCtx.roll = roll;
  rollCtx.nowMs = nowMs;
  rollCtx.spot = spot;
  rollCtx.expired = 0;
  out.settlementCash = book.removeExpired(nowMs, spot, stageReplacement);
  out.expired = rollCtx.expired;
  rollCtx.staging = undefined;
  const carry = rate - dividend;
  for (let i = 0; i < staging.length; i++) {
    const T = staging.tenorMs[i] / yearMs;
    const K = staging.strike[i];
    const sigma = surface.impliedVol(K, spot * Math.exp(carry * T), T);
    bsEval(staging.kind[i], spot, K, T, sigma, rate, dividend, priceScratch);
    const value = staging.qty[i] * priceScratch[OUT_PRICE];
    out.newValue += value;
    out.premiumCash -= value;
  }
  out.rolled = staging.length;
  book.addAll(staging);
  return out;
}

/** Builds a book from specs with `headroom` extra slots (default 0). */
export function bookFromSpecs(specs: readonly OptionSpec[], headroom = 0): OptionBook {
  return OptionBook.from(specs, specs.length + headroom);
}
