import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { listCrashes } from '../../src/data/catalog.js';

/**
 * Golden cards: every bundled scenario's summary figures and the sha256 of
 * its timeseries.csv and trades.csv, pinned in test/golden/cards/. A card
 * changes only with UPDATE_GOLDEN=1; a failure names each figure that moved
 * and by how much, so a commit that moves one can say which and why.
 */

const CARDS = join(import.meta.dirname, 'cards');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SHARED = process.env.CASCADE_DATA_DIR;

/** Identity fields that name a machine's paths, not a result. */
const MACHINE_FIELDS = new Set(['dataSource', 'configHash']);

interface Card {
  readonly target: string;
  readonly figures: Record<string, unknown>;
  readonly sha256: Record<string, string>;
}

interface Case {
  /** Card file name. */
  readonly name: string;
  /** What `cascade run` is given. */
  readonly target: () => string;
  /** True for cases whose scenario holds a machine path (real data). */
  readonly real?: boolean;
  /** Also compute and pin the band (eight more runs); the default scenario's card does. */
  readonly band?: boolean;
  /** More `cascade run` arguments (a strategy). */
  readonly args?: readonly string[];
  /** More output files whose sha256 the card pins (a strategy's orders). */
  readonly files?: readonly string[];
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Drops every `path` field (relative to the report folder, so they name the checkout's location). */
function withoutPaths(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutPaths);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'path').map(([k, v]) => [k, withoutPaths(v)]));
  }
  return x;
}

/** config.json's hash, paths left out: the same resolved scenario from any checkout. */
function configSha256(path: string): string {
  const config = withoutPaths(JSON.parse(readFileSync(path, 'utf8')));
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** Flattens nested summary objects to dotted keys so a moved figure is named exactly. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

async function runCard(c: Case): Promise<Card> {
  const out = mkdtempSync(join(tmpdir(), `golden-${c.name}-`));
  const code = await main(['run', c.target(), '--quiet', '--out', out, ...(c.band ? [] : ['--no-band']), ...(c.args ?? [])]);
  if (code !== 0) throw new Error(`cascade run ${c.target()} exited ${code}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  const figures = flatten(summary);
  if (c.real) for (const f of MACHINE_FIELDS) delete figures[f];
  return {
    target: c.real ? c.name : c.target(),
    figures,
    sha256: {
      'timeseries.csv': sha256(join(out, 'timeseries.csv')),
      'trades.csv': sha256(join(out, 'trades.csv')),
      ...(c.real ? {} : { 'config.json (paths left out)': configSha256(join(out, 'config.json')) }),
      ...Object.fromEntries((c.files ?? []).map((f) => [f, sha256(join(out, f))])),
    },
  };
}

/** Lines saying what moved between the pinned card and this run. */
export function diffCards(pinned: Card, now: Card): string[] {
  const lines: string[] = [];
  const keys = new Set([...Object.keys(pinned.figures), ...Object.keys(now.figures)]);
  for (const k of [...keys].sort()) {
    const a = pinned.figures[k];
    const b = now.figures[k];
    if (Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b)) continue;
    if (!(k in now.figures)) lines.push(`${k}: removed (was ${JSON.stringify(a)})`);
    else if (!(k in pinned.figures)) lines.push(`${k}: new (${JSON.stringify(b)})`);
    else if (typeof a === 'number' && typeof b === 'number') {
      const rel = a !== 0 ? ` (${(((b - a) / Math.abs(a)) * 100).toPrecision(3)}%)` : '';
      lines.push(`${k}: ${a} -> ${b}, moved by ${b - a}${rel}`);
    } else lines.push(`${k}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  }
  for (const f of new Set([...Object.keys(pinned.sha256), ...Object.keys(now.sha256)])) {
    if (pinned.sha256[f] !== now.sha256[f]) lines.push(`${f}: sha256 ${pinned.sha256[f] ?? 'none'} -> ${now.sha256[f] ?? 'none'}`);
  }
  return lines;
}

function check(c: Case): Promise<void> {
  return runCard(c).then((now) => {
    const file = join(CARDS, `${c.name}.json`);
    if (UPDATE || !existsSync(file)) {
      if (!UPDATE) throw new Error(`no golden card ${file}: run with UPDATE_GOLDEN=1 to write it`);
      writeFileSync(file, `${JSON.stringify(now, null, 2)}\n`);
      return;
    }
    const pinned = JSON.parse(readFileSync(file, 'utf8')) as Card;
    const moved = diffCards(pinned, now);
    if (moved.length > 0) {
      throw new Error(`golden card ${c.name} moved (UPDATE_GOLDEN=1 re-pins it; say why in the commit):\n  ${moved.join('\n  ')}`);
    }
  });
}

const bundled: Case[] = [
  { name: 'default', target: () => 'default', band: true },
  ...listCrashes().map((c) => ({ name: `crash-${c.name}`, target: () => c.name })),
  // Each shipped strategy on the default scenario: its figures beside its naive twin's, and the sha256 of its orders.
  { name: 'strategy-buy-the-fear', target: () => 'default', args: ['--strategy', 'buy-the-fear'], files: ['strategy_orders.csv'] },
  { name: 'strategy-delta-hedged-market-maker', target: () => 'default', args: ['--strategy', 'delta-hedged-market-maker'], files: ['strategy_orders.csv'] },
  { name: 'strategy-skew-aware-market-maker', target: () => 'default', args: ['--strategy', 'skew-aware-market-maker'], files: ['strategy_orders.csv'] },
  { name: 'strategy-contagion-hedge', target: () => 'default', args: ['--strategy', 'contagion-hedge'], files: ['strategy_orders.csv'] },
  // The backstop provider needs a pool: the default scenario with the backstop mechanism.
  {
    name: 'strategy-backstop-provider',
    target: () => 'default',
    args: ['--strategy', 'backstop-provider', '--set', 'protocol.liquidation.mechanism=backstop'],
    files: ['strategy_orders.csv'],
  },
];

/**
 * Real-data cases: the default scenario's model on shared crash files. The
 * scenario is written to a temporary folder so it can name the file.
 */
function realScenario(name: string, file: string, bars: Record<string, unknown>): () => string {
  return () => {
    const base = JSON.parse(readFileSync(join(import.meta.dirname, '../../data/scenarios/default.json'), 'utf8')) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), `golden-scn-${name}-`));
    const scenario = { ...base, name, data: { bars: { source: 'file', path: join(SHARED as string, file), ...bars } } };
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(scenario));
    return path;
  };
}

const real: Case[] = [
  { name: 'real-btc-2020-03-12-bitstamp-1h', target: realScenario('real-btc-2020-03-12-bitstamp-1h', 'crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv', { volumeUnit: 'quote' }), real: true },
  { name: 'real-eth-2020-03-12-coinapi-10m', target: realScenario('real-eth-2020-03-12-coinapi-10m', 'crypto_ohlc/ethusd_coinapi_10m_2020-03-12.csv', {}), real: true },
  { name: 'real-btc-2025-10-10-perp-1m', target: realScenario('real-btc-2025-10-10-perp-1m', 'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv', {}), real: true },
];

describe('golden cards: bundled scenarios', () => {
  for (const c of bundled) it(`${c.name} matches its card`, () => check(c));
});

describe.skipIf(!SHARED)(`golden cards: real-data scenarios${SHARED ? '' : ' (skipped: CASCADE_DATA_DIR is unset)'}`, () => {
  for (const c of real) it(`${c.name} matches its card`, () => check(c));
});

describe('golden card diff', () => {
  it('names each moved figure with its change, and changed hashes', () => {
    const a: Card = { target: 't', figures: { amplification: 1.25, n: 3, s: 'x' }, sha256: { 'trades.csv': 'aa' } };
    const b: Card = { target: 't', figures: { amplification: 1.5, n: 3, extra: 1 }, sha256: { 'trades.csv': 'bb' } };
    expect(diffCards(a, b)).toEqual([
      'amplification: 1.25 -> 1.5, moved by 0.25 (20.0%)',
      'extra: new (1)',
      's: removed (was "x")',
      'trades.csv: sha256 aa -> bb',
    ]);
    expect(diffCards(a, a)).toEqual([]);
  });
});
