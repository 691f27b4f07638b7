import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatKeys, MODEL_DOC, summaryDefinitions, type Definition } from './summaryTable.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TRADE_CAUSES } from '../../src/sim/tradeLog.js';

/**
 * Every field `summary.json` can hold is defined, with its unit, in the
 * "Summary figures" tables of docs/model.md. Two runs cover every key
 * src/runner/backtest.ts and src/report/writeRun.ts write: the default
 * scenario (dealer and protocol), and the same with the backstop mechanism
 * and every behaviour on (paradox and herding figures). Nested objects are
 * flattened to dotted names, as the document writes them.
 */

/** The fields a definitions map fails to document properly, each with the reason. */
export function undocumented(keys: readonly string[], defs: Map<string, Definition>): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    const d = defs.get(k);
    if (!d) problems.push(`${k}: not in docs/model.md "Summary figures"`);
    else if (d.unit === '' || /^[-—–]+$/.test(d.unit)) problems.push(`${k}: no unit`);
    else if (d.definition.replace(/[|\s]/g, '').length < 8) problems.push(`${k}: no definition`);
  }
  return problems;
}

async function summaryKeys(name: string, args: string[]): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), `summary-fields-${name}-`));
  const code = await main(['run', 'default', '--quiet', '--out', out, ...args]);
  if (code !== 0) throw new Error(`cascade run default ${args.join(' ')} exited ${code}`);
  return flatKeys(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>);
}

const EVERY_BEHAVIOUR = [
  '--set', 'protocol.liquidation.mechanism=backstop',
  '--set', 'behaviour.backstopFlight.enabled=true',
  '--set', 'behaviour.deleveraging.enabled=true',
  '--set', 'behaviour.liquidityProviders.enabled=true',
  '--set', 'behaviour.herding.enabled=true',
  '--set', 'behaviour.herding.holdingsBase=500',
  // The contagion bond's figures (it pays into the backstop pool here).
  '--set', 'protocol.defences.contagionBond={"trigger":{"index":"drawdown","level":0.1},"notionalQuote":1000000,"couponPerYear":0.05,"payoutTo":"backstopPool"}',
];

describe('summary.json fields are defined in docs/model.md', () => {
  const defs = summaryDefinitions(readFileSync(MODEL_DOC, 'utf8'));

  it('the checker reports a field whose row is missing, and a row without a unit', () => {
    const doc = ['## Summary figures', '| field | unit | definition |', '| --- | --- | --- |', '| `a` | quote | the first figure |', '| `b` |  | the second figure |', '## Next', '| `c` | quote | outside the section |'].join('\n');
    const d = summaryDefinitions(doc);
    expect(undocumented(['a', 'b', 'c'], d)).toEqual(['b: no unit', 'c: not in docs/model.md "Summary figures"']);
  });

  it('every trade cause has its endogenousMoveShareByCause row (a run shows only the causes that traded)', () => {
    expect(undocumented(TRADE_CAUSES.map((c) => `endogenousMoveShareByCause.${c}`), defs)).toEqual([]);
  });

  it('the fields of a run its strategy stopped', () => {
    expect(undocumented(['incomplete', 'error', 'barsCompleted', 'bars'], defs)).toEqual([]);
  });

  it('the default scenario, a run with every behaviour on, and one with a strategy', async () => {
    const plain = await summaryKeys('default', []);
    const behaviours = await summaryKeys('behaviours', EVERY_BEHAVIOUR);
    const strategy = await summaryKeys('strategy', ['--no-band', '--strategy', 'buy-the-fear']);
    // The second run must reach the optional figures, or this test covers less than it says.
    for (const k of ['paradoxIndex', 'paradox.troughBar', 'herdingStylized.soldBase', 'dealerPnl.total', 'badDebt', 'strategy.naive.buyPremiumOverClose']) {
      expect([...plain, ...behaviours, ...strategy], `run did not write ${k}`).toContain(k);
    }
    const keys = [...new Set([...plain, ...behaviours, ...strategy])].sort();
    expect(undocumented(keys, defs), `summary fields: ${keys.join(', ')}`).toEqual([]);
  });
});
