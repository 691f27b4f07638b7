/**
 * `npm run bench`: every benchmark, one after the other, printed as it goes.
 * Benchmarks measure; they assert nothing (tests do that), so a slow machine
 * never turns CI red. `npm run bench -- engine` runs one group.
 */
import { benchEngine, benchProtocolEngine } from './engine.js';
import { benchProtocol } from './protocol.js';
import { benchPricing } from './pricing.js';
import { benchLongHistory } from './longHistory.js';
import { benchStrategy } from './strategy.js';
import { benchSweep } from './sweep.js';
import { benchInferred } from './inferred.js';

const groups: Record<string, (log: (line: string) => void) => Promise<void>> = {
  pricing: benchPricing,
  engine: benchEngine,
  ladder: benchProtocol,
  protocol: benchProtocolEngine,
  strategy: benchStrategy,
  sweep: benchSweep,
  inferred: benchInferred,
  // Minutes and gigabytes: only when asked for (`npm run bench -- long`).
  long: benchLongHistory,
};

const onRequest = new Set(['long']);

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const log = (line: string): void => console.log(line);
for (const [name, fn] of Object.entries(groups)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onRequest.has(name)) continue;
  log(`== ${name}`);
  await fn(log);
}
if (wanted.length === 0) log('== long: skipped (minutes and gigabytes); npm run bench -- long runs 1 and 3 years of 1-minute bars (LONG_YEARS=1,3,10)');
