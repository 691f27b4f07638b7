import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOverrides } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { formatVaryValue, parseVary, parseVaryAxes, splitTopLevel, varyGrid } from '../../src/sweep/vary.js';

describe('--vary parsing', () => {
  const cases: Array<{ spec: string; path: string; values: unknown[] }> = [
    { spec: 'dealer.hedge.kind=none,every-bar', path: 'dealer.hedge.kind', values: ['none', 'every-bar'] },
    { spec: 'market.liquidity={"kind":"book"},{"kind":"linear"}', path: 'market.liquidity', values: [{ kind: 'book' }, { kind: 'linear' }] },
    { spec: 'x=[1,2],[3,4]', path: 'x', values: [[1, 2], [3, 4]] },
    { spec: 'x=1,2.5,true,null,abc,-3e2', path: 'x', values: [1, 2.5, true, null, 'abc', -300] },
    // Commas and brackets inside JSON strings do not split.
    { spec: 'name="a, b",c', path: 'name', values: ['a, b', 'c'] },
    { spec: 'x={"a":"}, ["},2', path: 'x', values: [{ a: '}, [' }, 2] },
    { spec: 'name="say \\"hi\\", then go",d', path: 'name', values: ['say "hi", then go', 'd'] },
    { spec: 'x={"a":[1,{"b":[2,3]}]},{"a":[]}', path: 'x', values: [{ a: [1, { b: [2, 3] }] }, { a: [] }] },
    // Values are trimmed; a single value is a one-point axis.
    { spec: 'x= 1 , 2 ', path: 'x', values: [1, 2] },
    { spec: 'seed=7', path: 'seed', values: [7] },
    // Only the first '=' separates the path.
    { spec: 'note=a=b,c', path: 'note', values: ['a=b', 'c'] },
  ];
  for (const c of cases) {
    it(c.spec, () => {
      const axis = parseVary(c.spec);
      expect(axis.path, c.spec).toBe(c.path);
      expect(axis.segments).toEqual(c.path.split('.'));
      expect(axis.values, c.spec).toEqual(c.values);
    });
  }

  const bad: Array<{ spec: string; message: RegExp }> = [
    { spec: 'x=1,,2', message: /value 2 is empty/ },
    { spec: 'x=', message: /value 1 is empty/ },
    { spec: 'x={"a":1', message: /unclosed '\{'/ },
    { spec: 'x=1]', message: /unmatched '\]' at character 2/ },
    { spec: 'x=[1}', message: /unmatched '\}'/ },
    { spec: 'x="abc,d', message: /unterminated string/ },
    { spec: '=1,2', message: /expects path=v1,v2/ },
    { spec: 'x', message: /expects path=v1,v2/ },
    { spec: 'a..b=1', message: /not a dotted scenario path/ },
    { spec: 'x=1,2,1', message: /value 3 repeats value 1/ },
    { spec: 'x={"a":1,"b":2},{"b":2,"a":1}', message: /value 2 repeats value 1/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.spec}`, () => {
      expect(() => parseVary(c.spec)).toThrow(ConfigError);
      expect(() => parseVary(c.spec)).toThrow(c.message);
    });
  }

  it('axes must be distinct and not nested; at least one is needed', () => {
    expect(() => parseVaryAxes([])).toThrow(/at least one --vary/);
    expect(() => parseVaryAxes(['a.b=1,2', 'a.b=3'])).toThrow(/set the same field/);
    expect(() => parseVaryAxes(['market.liquidity={"kind":"book"}', 'market.liquidity.kind=linear'])).toThrow(/set the same field/);
    expect(parseVaryAxes(['a.b=1', 'a.bc=2']).map((a) => a.path)).toEqual(['a.b', 'a.bc']);
  });

  it('a value means what it means in --set (property: any JSON value round-trips)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const expected = JSON.parse(text);
        const viaSet = (applyOverrides({}, [`p=${text}`]) as { p: unknown }).p;
        expect(parseVary(`p=${text}`).values).toEqual([expected]);
        expect(viaSet).toEqual(expected);
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('a list of JSON values joined by commas splits back into the list (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.jsonValue(), { minLength: 1, maxLength: 5, selector: (v) => formatVaryValue(JSON.parse(JSON.stringify(v))) }), (vs) => {
        const texts = vs.map((v) => JSON.stringify(v));
        expect(splitTopLevel(texts.join(','))).toEqual(texts);
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});

describe('grid', () => {
  it('cartesian product in flag order, first flag slowest', () => {
    const grid = varyGrid(parseVaryAxes(['a=1,2', 'b=x,y,z']));
    expect(grid.map((v) => v.values)).toEqual([
      [1, 'x'], [1, 'y'], [1, 'z'],
      [2, 'x'], [2, 'y'], [2, 'z'],
    ]);
    expect(grid.map((v) => v.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(grid[4].sets).toEqual(['a=2', 'b="y"']);
  });

  it('three axes', () => {
    const grid = varyGrid(parseVaryAxes(['a=1,2', 'b=3', 'c=4,5']));
    expect(grid.map((v) => v.values.join(''))).toEqual(['134', '135', '234', '235']);
  });

  it('the --set form of a variant reproduces its values', () => {
    const [v] = varyGrid(parseVaryAxes(['market.liquidity={"kind":"book","levels":3}', 'dealer.hedge.kind=none']));
    const raw = applyOverrides({}, v.sets) as { market: { liquidity: unknown }; dealer: { hedge: { kind: unknown } } };
    expect(raw.market.liquidity).toEqual({ kind: 'book', levels: 3 });
    expect(raw.dealer.hedge.kind).toBe('none');
  });

  it('refuses grids above the limit', () => {
    expect(() => varyGrid(parseVaryAxes(['a=1,2,3', 'b=1,2,3']), 8)).toThrow(/9 variants \(3 × 3\); the limit is 8/);
  });
});
