import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { ivCsv, ivFromFlags, priceCsv, priceFromFlags, registerPriceCommands } from '../../src/cli/commands/price.js';

let dir = '';
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-price-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function runCli(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerPriceCommands(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('price command', () => {
  it('prints JSON with inputs, greeks and units (Haug put S=100 K=95 T=0.5 r=0.10 q=0.05 v=0.20 -> 2.4648)', async () => {
    const out = JSON.parse(
      await runCli(['price', '--type', 'put', '--spot', '100', '--strike', '95', '--years', '0.5', '--vol', '0.2', '--rate', '0.1', '--dividend', '0.05']),
    ) as Record<string, unknown> & { units: Record<string, string>; inputs: Record<string, unknown> };
    expect(Math.abs((out.price as number) - 2.4648)).toBeLessThanOrEqual(1e-4);
    for (const k of ['delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga']) expect(typeof out[k]).toBe('number');
    expect(out.units.vega).toBe('per unit vol (0.01 = 1 vol point)');
    expect(out.units.theta).toMatch(/^per year/);
    expect(out.inputs).toMatchObject({ model: 'bs', type: 'put', spot: 100, strike: 95, years: 0.5, vol: 0.2, rate: 0.1, dividend: 0.05 });
  });

  it('black76 takes --forward (Haug F=19 K=19 T=0.75 r=0.10 v=0.28 -> 1.7011)', () => {
    const out = priceFromFlags({ type: 'call', forward: '19', strike: '19', years: '0.75', vol: '0.28', rate: '0.1', model: 'black76' });
    expect(Math.abs((out.price as number) - 1.7011)).toBeLessThanOrEqual(1e-4);
  });

  it('flag errors are ConfigError naming the flag', () => {
    expect(() => priceFromFlags({ type: 'put', spot: 'abc', strike: '95', years: '0.5', vol: '0.2' })).toThrow(ConfigError);
    expect(() => priceFromFlags({ type: 'put', spot: 'abc', strike: '95', years: '0.5', vol: '0.2' })).toThrow(/field '--spot': not a finite number: 'abc'/);
    expect(() => priceFromFlags({ type: 'straddle', spot: '1', strike: '95', years: '0.5', vol: '0.2' })).toThrow(/--type/);
    expect(() => priceFromFlags({ type: 'put', spot: '100', years: '0.5', vol: '0.2' })).toThrow(/missing required option --strike/);
    expect(() => priceFromFlags({ type: 'put', spot: '100', strike: '-5', years: '0.5', vol: '0.2' })).toThrow(/'--strike': must be > 0/);
    expect(() => priceFromFlags({ type: 'put', spot: '100', strike: '5', years: '0.5', vol: '0.2', model: 'heston' })).toThrow(/--model/);
  });

  it('--csv writes the input columns plus price,delta,gamma,vega,theta,rho,vanna,volga', () => {
    const p = file('book.csv', 'spot,strike,years,vol,rate,dividend,type\n60,65,0.25,0.30,0.08,0,call\n100,95,0.5,0.2,0.1,0.05,put\n');
    const lines = priceCsv(p, {}).trimEnd().split('\n');
    expect(lines[0]).toBe('spot,strike,years,vol,rate,dividend,type,price,delta,gamma,vega,theta,rho,vanna,volga');
    expect(lines).toHaveLength(3);
    const first = lines[1].split(',');
    expect(first.slice(0, 7)).toEqual(['60', '65', '0.25', '0.30', '0.08', '0', 'call']);
    expect(Math.abs(Number(first[7]) - 2.1334)).toBeLessThanOrEqual(1e-4); // Haug
    const second = lines[2].split(',');
    expect(Math.abs(Number(second[7]) - 2.4648)).toBeLessThanOrEqual(1e-4); // Haug
  });

  it('--csv without rate/dividend columns uses --rate/--dividend (default 0)', () => {
    const p = file('norate.csv', 'type,spot,strike,years,vol\ncall,60,65,0.25,0.30\n');
    const withRate = priceCsv(p, { rate: '0.08' }).trimEnd().split('\n')[1].split(',');
    expect(Math.abs(Number(withRate[5]) - 2.1334)).toBeLessThanOrEqual(1e-4);
  });

  it('bad CSV rows: one-line DataError with file, line, field and reason', () => {
    const cases: [string, RegExp][] = [
      ['spot,strike,years,vol,type\n100,95,0.5,0.2,put\n100,95,0.5,abc,put\n', /:3: field 'vol': not a number: 'abc'/],
      ['spot,strike,years,vol,type\n100,95,0.5,0.2,straddle\n', /:2: field 'type': must be 'call' or 'put', got 'straddle'/],
      ['spot,strike,years,vol,type\n-100,95,0.5,0.2,put\n', /:2: field 'spot': must be > 0/],
      ['spot,strike,years,vol,type\n100,95,0.5,-0.2,put\n', /:2: field 'vol': must be >= 0/],
      ['spot,strike,vol,type\n100,95,0.2,put\n', /:1: missing column 'years'/],
      ['spot,strike,years,vol,type\n100,95,0.5,put\n', /:2: .*truncated last line/],
      ['spot,strike,years,vol,type\n', /no data rows/],
    ];
    cases.forEach(([text, re], i) => {
      const p = file(`bad${i}.csv`, text);
      let err: unknown;
      try {
        priceCsv(p, {});
      } catch (e) {
        err = e;
      }
      expect(err, `case ${i}: ${text}`).toBeInstanceOf(DataError);
      expect((err as Error).message, `case ${i}`).toMatch(re);
      expect((err as Error).message).toContain(p);
      expect((err as Error).message).not.toContain('\n');
    });
    expect(() => priceCsv(join(dir, 'missing.csv'), {})).toThrow(/cannot read file: ENOENT/);
    expect(() => priceCsv(file('x.csv', 'spot,strike,years,vol,type\n1,1,1,1,call\n'), { spot: '100' })).toThrow(/--spot cannot be combined with --csv/);
  });
});

describe('iv command', () => {
  it('JSON with the vol (round trip of Haug call S=60 K=65 T=0.25 r=0.08 v=0.30)', async () => {
    const price = (priceFromFlags({ type: 'call', spot: '60', strike: '65', years: '0.25', vol: '0.3', rate: '0.08' }).price as number).toString();
    const out = JSON.parse(await runCli(['iv', '--type', 'call', '--spot', '60', '--strike', '65', '--years', '0.25', '--price', price, '--rate', '0.08'])) as {
      vol: number;
    };
    expect(Math.abs(out.vol - 0.3)).toBeLessThanOrEqual(1e-12);
  });

  it('a price outside the no-arbitrage bounds is a ConfigError on --price naming the bound', () => {
    expect(() => ivFromFlags({ type: 'call', spot: '60', strike: '65', years: '0.25', price: '70', rate: '0.08' })).toThrow(
      /field '--price': price 70 is above the upper no-arbitrage bound \(S e\^\{-qT\} = 60\) by 10/,
    );
  });

  it('--csv adds an iv column; a bad price names file, line and field', () => {
    const p = file('iv.csv', 'spot,strike,years,price,type,rate\n60,65,0.25,2.1333684449162007,call,0.08\n100,100,1,7.965567455405804,put,0\n');
    const lines = ivCsv(p, {}).trimEnd().split('\n');
    expect(lines[0]).toBe('spot,strike,years,price,type,rate,iv');
    expect(Math.abs(Number(lines[1].split(',')[6]) - 0.3)).toBeLessThanOrEqual(1e-12);
    // ATM put, zero rates: P = S (2 Phi(s/2) - 1) with s = 0.2: 7.965567455405804 (vol 0.2).
    expect(Math.abs(Number(lines[2].split(',')[6]) - 0.2)).toBeLessThanOrEqual(1e-12);
    const bad = file('ivbad.csv', 'spot,strike,years,price,type\n100,90,1,5,call\n');
    expect(() => ivCsv(bad, {})).toThrow(/ivbad\.csv:2: field 'price': price 5 is below the lower no-arbitrage bound \(discounted intrinsic 10\) by 5/);
  });
});
