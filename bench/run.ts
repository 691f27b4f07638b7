/**
 * `npm run bench`: every benchmark, one after the other, printed as it goes.
 * Benchmarks measure; they assert nothing (tests do that), so a slow machine
 * never turns CI red. `npm run bench -- engine` runs one group.
 */
import { benchEngine, benchProtocolEngine } from './engine.js';
import { benchProtocol } from './protocol.js';
import { benchPricing } from './pricing.js';

const groups: Record<string, (log: (line: string) => void) => Promise<void>> = {
  pricing: benchPricing,
  engine: benchEngine,
  ladder: benchProtocol,
  protocol: benchProtocolEngine,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const log = (line: string): void => console.log(line);
for (const [name, fn] of Object.entries(groups)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  log(`== ${name}`);
  await fn(log);
}
