import { describe, expect, it } from 'vitest';
import { ConfigError, formatLocated } from '../../src/core/errors.js';

describe('error messages stay one readable line', () => {
  it('a quoted value past 120 characters is clipped with its length', () => {
    const long = 'x'.repeat(500);
    expect(formatLocated(`not a number: '${long}'`, { file: 'a.csv', line: 3, field: 'close' })).toBe(`a.csv:3: field 'close': not a number: '${'x'.repeat(80)}… (500 characters)'`);
  });

  it('prose between two short quoted values is not taken for a quoted value', () => {
    const names = Array.from({ length: 12 }, (_, k) => `crash-number-${k}`).join(', ');
    const reason = `'nosuch' is neither a scenario file nor a catalog crash; crashes: ${names} (or 'default')`;
    expect(reason.length).toBeGreaterThan(200);
    expect(new ConfigError(reason).message).toBe(reason);
  });

  it('a long quoted value right after a colon or in parentheses is still clipped', () => {
    const long = 'y'.repeat(300);
    expect(formatLocated(`unknown layout: first lines are '${long}' (see docs)`, {})).toBe(`unknown layout: first lines are '${'y'.repeat(80)}… (300 characters)' (see docs)`);
    expect(formatLocated(`bad path ('${long}')`, {})).toBe(`bad path ('${'y'.repeat(80)}… (300 characters)')`);
  });
});
