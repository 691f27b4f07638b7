/**
 * The files a trial reads, and their checksums: what a trial's key hashes
 * besides the scenario and the code, and what a queue worker checks before it
 * runs a trial submitted from another machine (the same files must be at
 * the same paths on every machine).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { Scenario } from '../config/scenario.js';
import { isStrategyId } from '../config/strategySchema.js';
import { sha256 } from '../core/hash.js';

const fileSha = new Map<string, { readonly size: number; readonly mtimeMs: number; readonly sha: string }>();

/**
 * Every file a scenario reads (the files config/rebasePaths.ts moves): bars,
 * IV, L2 snapshot, dealer book, option chain, positions, gas series, the
 * perp's funding and index series, liquidation prints, and a strategy module
 * given by path.
 */
export function scenarioFiles(s: Scenario): string[] {
  const files: string[] = [];
  const bars = s.data.bars;
  if ((bars.source === 'file' || bars.source === 'synthetic') && bars.path !== undefined) files.push(bars.path);
  if (s.data.iv) files.push(s.data.iv.path);
  const liq = s.market.liquidity;
  if (liq.kind === 'book' && liq.snapshot !== undefined) files.push(liq.snapshot);
  for (const block of Array.isArray(s.dealer.inventory) ? s.dealer.inventory : [s.dealer.inventory]) if (block.kind === 'csv' || block.kind === 'chain') files.push(block.path);
  if (s.surface.chain) files.push(s.surface.chain.path);
  if (s.protocol.population.kind === 'csv') files.push(s.protocol.population.path);
  if (s.protocol.keepers.gas) files.push(s.protocol.keepers.gas.path);
  if (s.protocol.perp?.funding.kind === 'series') files.push(s.protocol.perp.funding.path);
  if (s.protocol.perp?.index) files.push(s.protocol.perp.index.path);
  if (s.data.liquidationPrints) files.push(s.data.liquidationPrints.path);
  // A strategy given by path is code the code version does not cover (that covers src/ and strategies/): an edit must give new keys.
  if (s.strategy && !isStrategyId(s.strategy.path)) files.push(s.strategy.path);
  return files;
}

/**
 * sha256 of a file read in chunks: bar files and option chains may be
 * gigabytes, past what one Buffer holds. The same digest as hashing the
 * whole file at once.
 */
function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * sha256 of a file's bytes, or 'missing'. Cached per path while the file's
 * size and modification time stay the same: a sweep hashes each file once,
 * and a long-lived queue worker still sees a file edited between sweeps.
 */
export function fileChecksum(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  const hit = fileSha.get(path);
  if (hit !== undefined && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha;
  const sha = fileSha256(path);
  fileSha.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha });
  return sha;
}

/** Per file the scenario reads (scenarioFiles), its checksum (fileChecksum), in scenarioFiles' order. */
export function fileChecksums(s: Scenario): Array<[string, string]> {
  return scenarioFiles(s).map((f) => [f, fileChecksum(f)]);
}

/** sha256 over the paths and checksums of every file a scenario reads (fileChecksums): the data part of a trial's key. */
export function dataChecksum(files: ReadonlyArray<readonly [string, string]>): string {
  return sha256(files.map(([f, h]) => `${f}:${h}`).join('\n'));
}

