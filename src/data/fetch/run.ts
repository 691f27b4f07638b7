import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fetchItem, type DownloadOptions, type ItemOutcome } from './download.js';
import { fetchOptionTrades, tradesCsvName, type PagedResult } from './deribitTrades.js';
import { chartCsv, dvolCsv, mergeHeaderedZips, mergeKlineZips, vixCsv } from './extract.js';
import type { FetchPlan, ItemKind } from './plan.js';

/**
 * Runs a plan: every file fetched and verified in order, then the series
 * joined into the CSVs a scenario reads, and a manifest (`fetch.json`) of
 * what came from where with its sha256.
 */

export interface FetchedSeries {
  readonly path: string;
  readonly rows: number;
}

export interface FetchResult {
  /** `<data dir>/<crash>`: the joined CSVs and the manifest. */
  readonly dir: string;
  readonly bars: FetchedSeries;
  readonly metrics?: FetchedSeries;
  readonly funding?: FetchedSeries;
  readonly dvol?: FetchedSeries;
  readonly vix?: FetchedSeries;
  /** Deribit perpetual candles (normalized bar layout). */
  readonly index?: FetchedSeries;
  /** Deribit option trades (the `deribit-trades` chain layout), with the boundary duplicates skipped. */
  readonly optionTrades?: FetchedSeries & { readonly duplicates: number };
  readonly outcomes: readonly ItemOutcome[];
  readonly manifest: string;
}

/** Where a plan's joined CSVs go, relative to its folder. */
export function outputNames(plan: FetchPlan): Record<ItemKind, string> {
  return {
    klines: `${plan.symbol}-${plan.market}-${plan.interval}.csv`,
    metrics: `${plan.symbol}-metrics.csv`,
    funding: `${plan.symbol}-fundingRate.csv`,
    dvol: plan.dvol ? `${plan.dvol.currency}-dvol-${plan.dvol.resolution}.csv` : 'dvol.csv',
    vix: 'VIX.csv',
    index: plan.index ? `${plan.index.instrument}-${plan.index.resolution}m.csv` : 'index.csv',
    optionTrades: plan.paged?.[0] ? tradesCsvName(plan.paged[0]) : 'option-trades.csv',
  };
}

export function planDir(plan: FetchPlan, dataDir: string): string {
  return join(dataDir, plan.crash);
}

export async function runFetch(plan: FetchPlan, opts: DownloadOptions): Promise<FetchResult> {
  const outcomes: ItemOutcome[] = [];
  for (const item of plan.items) outcomes.push(await fetchItem(item, opts));
  const dir = planDir(plan, opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const names = outputNames(plan);
  const got = (kind: ItemKind): string[] =>
    outcomes.filter((o) => o.item.kind === kind && o.path !== undefined).map((o) => o.path as string);
  const series = (kind: ItemKind, join_: (paths: string[], out: string) => number): FetchedSeries | undefined => {
    const paths = got(kind);
    if (paths.length === 0) return undefined;
    const out = join(dir, names[kind]);
    const rows = join_(paths, out);
    return rows > 0 ? { path: out, rows } : undefined;
  };
  const bars = series('klines', mergeKlineZips) as FetchedSeries;
  const metrics = series('metrics', mergeHeaderedZips);
  const funding = series('funding', mergeHeaderedZips);
  const dvol = series('dvol', (p, out) => dvolCsv(p, plan.startMs, plan.endMs, out));
  const vix = series('vix', (p, out) => vixCsv(p[0], out));
  const index = series('index', (p, out) => chartCsv(p, plan.startMs, plan.endMs, out));
  let optionTrades: (FetchedSeries & { duplicates: number }) | undefined;
  for (const p of plan.paged ?? []) {
    const out = join(dir, names.optionTrades);
    const got: PagedResult = await fetchOptionTrades(p, opts, out);
    outcomes.push(...got.pages);
    if (got.rows > 0) optionTrades = { path: out, rows: got.rows, duplicates: got.duplicates };
  }
  const manifest = join(dir, 'fetch.json');
  const rel = (p: string): string => relative(dir, p);
  const body = {
    crash: plan.crash,
    symbol: plan.symbol,
    market: plan.market,
    interval: plan.interval,
    window: { start: new Date(plan.startMs).toISOString(), end: new Date(plan.endMs).toISOString() },
    outputs: Object.fromEntries(
      Object.entries({ bars, metrics, funding, dvol, vix, index, optionTrades })
        .filter(([, s]) => s !== undefined)
        .map(([k, s]) => [k, { path: rel((s as FetchedSeries).path), rows: (s as FetchedSeries).rows }]),
    ),
    files: outcomes.map((o) => ({
      kind: o.item.kind,
      url: o.item.url,
      status: o.status,
      ...(o.path !== undefined ? { path: rel(o.path), bytes: o.bytes, sha256: o.sha256, verifiedBy: o.verifiedBy } : {}),
    })),
  };
  writeFileSync(`${manifest}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${manifest}.tmp`, manifest);
  return { dir, bars, ...(metrics ? { metrics } : {}), ...(funding ? { funding } : {}), ...(dvol ? { dvol } : {}), ...(vix ? { vix } : {}), ...(index ? { index } : {}), ...(optionTrades ? { optionTrades } : {}), outcomes, manifest };
}
