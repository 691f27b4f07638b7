import { dirname, relative } from 'node:path';
import type { FetchPlan } from './plan.js';
import type { FetchResult } from './run.js';

/**
 * The scenario a fetch writes: a crash's model (`base`, which the caller
 * builds: the runner sizes it for the crash) with its data section pointed
 * at the fetched files. Paths are written relative to the scenario's folder,
 * which is how `cascade run` resolves them.
 */
export function fetchedScenario(base: Record<string, unknown>, plan: FetchPlan, result: FetchResult, scenarioPath: string): Record<string, unknown> {
  const dir = dirname(scenarioPath);
  const rel = (p: string): string => relative(dir, p) || '.';
  const iv = result.dvol ?? result.vix;
  const ivName = result.dvol ? `Deribit ${plan.dvol?.currency ?? ''} DVOL` : 'CBOE VIX';
  const market = plan.market === 'um' ? 'USD-M futures' : 'spot';
  // The venue's settled funding, where the fetch brought it, drives the perp
  // venue's funding (docs/model.md#perpetual-venue); without a protocol there
  // is nobody to pay it.
  const protocol = base.protocol as Record<string, unknown> | undefined;
  const perp = result.funding && protocol?.enabled === true ? { perp: { funding: { kind: 'series', path: rel(result.funding.path) } } } : null;
  return {
    ...base,
    ...(perp ? { protocol: { ...protocol, ...perp } } : {}),
    name: `${plan.crash}-${plan.symbol.toLowerCase()}-${plan.market}-${plan.interval}`,
    description:
      `Catalog crash ${plan.crash} on REAL Binance ${market} ${plan.symbol} ${plan.interval} klines fetched from Binance's public data archive ` +
      `(${result.bars.rows} bars${iv ? `, implied vol from ${ivName}` : ''}${perp ? ', funding from Binance fundingRate' : ''}; see fetch.json for every file's URL and sha256), ` +
      `with the model and sizes of \`cascade run ${plan.crash}\`.`,
    data: {
      bars: { source: 'file', path: rel(result.bars.path), layout: 'binance-kline', symbol: plan.symbol },
      ...(iv ? { iv: { path: rel(iv.path) } } : {}),
      window: { start: new Date(plan.startMs).toISOString().replace('.000Z', 'Z'), end: new Date(plan.endMs).toISOString().replace('.000Z', 'Z') },
    },
  };
}
