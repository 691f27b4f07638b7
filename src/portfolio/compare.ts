import { dirname, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { applyOverrides, readScenarioFile } from '../config/load.js';
import { checkOverridesHeld } from '../config/compose.js';
import { portfolioScenarioSchema, type PortfolioScenario } from '../config/portfolioSchema.js';
import { ACCOUNT_KINDS } from './accounts.js';
import { runMarginRule, type MarginRule, type MarginRunResult } from './run.js';
import { buildPortfolioSetup, type SetupReport } from './setup.js';

export const MARGIN_RULES: readonly MarginRule[] = ['isolated', 'portfolio'];

export interface MarginComparison {
  readonly scenario: PortfolioScenario;
  readonly assets: readonly string[];
  readonly report: SetupReport;
  readonly runs: readonly MarginRunResult[];
  /** Each account's kind (index into ACCOUNT_KINDS). */
  readonly kinds: Uint8Array;
  /** Bar start times (epoch ms) and each asset's historical (or generated) closes, as the runs saw them. */
  readonly time: Float64Array;
  readonly close: readonly Float64Array[];
}

/** The command line's changes to a multi-asset scenario: `--seed`, then every `--set` in order. */
export interface PortfolioOverrides {
  readonly seed?: string;
  readonly set?: readonly string[];
}

/**
 * Reads and validates a multi-asset scenario, with the command line's
 * changes applied; the first problem is one located error. A `--set` must
 * name a field the validated scenario holds (`assets.1.depth.depth1PctQuote`
 * enters the list of assets by index).
 */
export function loadPortfolioScenario(file: string, overrides: PortfolioOverrides = {}): PortfolioScenario {
  const sets = overrides.set ?? [];
  let raw = readScenarioFile(file);
  if (overrides.seed !== undefined) {
    const seed = Number(overrides.seed);
    if (!Number.isInteger(seed)) throw new ConfigError(`--seed expects a whole number, got '${overrides.seed}'`, { field: '--seed' });
    raw = { ...(raw as Record<string, unknown>), seed };
  }
  if (sets.length > 0) raw = applyOverrides(raw, sets, portfolioScenarioSchema);
  const r = portfolioScenarioSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    const reason = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
    throw new ConfigError(reason, { file, field });
  }
  checkOverridesHeld(r.data, sets);
  return r.data;
}

/** Runs the scenario once per rule on the same path and the same accounts. */
export function compareMarginRules(scenario: PortfolioScenario, baseDir: string, rules: readonly MarginRule[] = MARGIN_RULES, scenarioFile?: string): MarginComparison {
  const { setup, report } = buildPortfolioSetup(scenario, baseDir, scenarioFile);
  return { scenario, assets: setup.names, report, runs: rules.map((r) => runMarginRule(setup, r)), kinds: setup.accounts.kind, time: setup.time, close: setup.close };
}

export function compareMarginFile(file: string, rules: readonly MarginRule[] = MARGIN_RULES, overrides: PortfolioOverrides = {}): MarginComparison {
  return compareMarginRules(loadPortfolioScenario(file, overrides), dirname(resolve(file)), rules, file);
}

/** One row per rule: the figures the comparison is about, totals over assets. */
export interface ComparisonRow {
  rule: MarginRule;
  marginCalls: number;
  accountsLiquidated: number;
  /** Accounts liquidated, by kind (hand, basis, cross, long-perp). */
  accountsLiquidatedByKind: Record<string, number>;
  liquidatedQuote: number;
  badDebtQuote: number;
  penaltyQuote: number;
  cappedBars: number;
  /** Per asset, by name. */
  liquidatedQuoteByAsset: Record<string, number>;
  endogenousMovePct: Record<string, number>;
  endogenousRisePct: Record<string, number>;
  optionsClosedQuote: number;
  lowVsHistoryPct: Record<string, number>;
}

export function comparisonRows(c: MarginComparison): ComparisonRow[] {
  return c.runs.map((r) => {
    const byAsset = (v: Float64Array): Record<string, number> => Object.fromEntries(c.assets.map((n, a) => [n, v[a]]));
    let total = 0;
    for (const v of r.liquidatedQuote) total += v;
    return {
      rule: r.rule,
      marginCalls: r.marginCalls,
      accountsLiquidated: r.accountsLiquidated,
      accountsLiquidatedByKind: byKind(c.kinds, r.liquidated),
      liquidatedQuote: total,
      badDebtQuote: r.badDebtQuote,
      penaltyQuote: r.penaltyQuote,
      cappedBars: r.cappedBars,
      liquidatedQuoteByAsset: byAsset(r.liquidatedQuote),
      endogenousMovePct: byAsset(r.endogenousMovePct),
      endogenousRisePct: byAsset(r.endogenousRisePct),
      optionsClosedQuote: r.optionsClosedQuote,
      lowVsHistoryPct: byAsset(r.lowVsHistoryPct),
    };
  });
}

/** The comparison as fixed-width text, one row per rule. */
export function formatComparison(c: MarginComparison): string {
  const rows = comparisonRows(c);
  const head = ['rule', 'margin calls', 'accounts liq.', 'liquidated $', 'bad debt $', ...c.assets.map((n) => `${n} endog. % low/high`), ...c.assets.map((n) => `${n} liq. $`)];
  const body = rows.map((r) => [
    r.rule,
    String(r.marginCalls),
    String(r.accountsLiquidated),
    money(r.liquidatedQuote),
    money(r.badDebtQuote),
    ...c.assets.map((n) => `${r.endogenousMovePct[n].toFixed(2)}/+${r.endogenousRisePct[n].toFixed(2)}`),
    ...c.assets.map((n) => money(r.liquidatedQuoteByAsset[n])),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]): string => cells.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join('  ');
  const r = c.report;
  return [
    `${c.scenario.name}: ${r.bars} bars from ${r.firstBar}, ${c.assets.join(' + ')}${r.synthetic ? ' (SYNTHETIC joint path)' : ''}, ${r.generatedAccounts} generated + ${r.handAccounts} hand accounts (largest legs $${money(r.notionalQuote)}), ${r.gridPoints} scan points, 1% depth at start ${c.assets.map((n, a) => `${n} $${money(r.depth1PctQuote[a])}`).join(', ')}`,
    line(head),
    ...body.map(line),
  ].join('\n');
}

function byKind(kinds: Uint8Array, liquidated: Uint8Array): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(ACCOUNT_KINDS.map((k) => [k, 0]));
  for (let k = 0; k < kinds.length; k++) out[ACCOUNT_KINDS[kinds[k]]] += liquidated[k];
  return out;
}

function money(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** CSV: one row per rule and asset, and one `ALL` row per rule with the totals. */
export function comparisonCsv(c: MarginComparison): string {
  const out = ['rule,asset,margin_calls,accounts_liquidated,liquidated_quote,options_closed_quote,bad_debt_quote,penalty_quote,endogenous_move_pct,endogenous_rise_pct,low_vs_history_pct,capped_bars'];
  for (const r of comparisonRows(c)) {
    out.push([r.rule, 'ALL', r.marginCalls, r.accountsLiquidated, r.liquidatedQuote, r.optionsClosedQuote, r.badDebtQuote, r.penaltyQuote, '', '', '', r.cappedBars].join(','));
    for (const n of c.assets) out.push([r.rule, n, '', '', r.liquidatedQuoteByAsset[n], '', '', '', r.endogenousMovePct[n], r.endogenousRisePct[n], r.lowVsHistoryPct[n], ''].join(','));
  }
  return `${out.join('\n')}\n`;
}

/** JSON summary: the inputs that identify the run and the rows. */
export function comparisonJson(c: MarginComparison) {
  return { scenario: c.scenario.name, seed: c.scenario.seed, synthetic: c.report.synthetic, sources: c.report.sources, firstBar: c.report.firstBar, bars: c.report.bars, depth1PctQuote: Object.fromEntries(c.assets.map((n, a) => [n, c.report.depth1PctQuote[a]])), gridPoints: c.report.gridPoints, accounts: { generated: c.report.generatedAccounts, hand: c.report.handAccounts, largestLegNotionalQuote: c.report.notionalQuote }, rules: comparisonRows(c) };
}
