/**
 * The committed valuation.wasm is what its source compiles to: rebuild
 * asm/valuation.ts with the pinned AssemblyScript compiler (the flags of
 * `npm run build:wasm`) and compare bytes. Skips, saying why, where the
 * compiler is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const COMMITTED = join(ROOT, 'src', 'pricing', 'wasm', 'valuation.wasm');

function buildFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const args = pkg.scripts['build:wasm'].split(/\s+/);
  expect(args[0]).toBe('asc');
  return args.slice(1);
}

describe('valuation.wasm', () => {
  const have = existsSync(ASC);
  if (!have) console.warn(`skipping the WASM rebuild check: no AssemblyScript compiler at ${ASC} (npm install installs it)`);
  it.skipIf(!have)('is byte-identical to a fresh build of asm/valuation.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cascade-wasm-'));
    try {
      const flags = buildFlags();
      const out = flags.indexOf('-o');
      const fresh = join(dir, 'valuation.wasm');
      flags[out + 1] = fresh;
      execFileSync(process.execPath, [ASC, ...flags], { cwd: ROOT, stdio: 'pipe' });
      const a = readFileSync(fresh);
      const b = readFileSync(COMMITTED);
      expect(a.length).toBeGreaterThan(1000);
      expect(Buffer.compare(a, b), 'src/pricing/wasm/valuation.wasm is stale: run npm run build:wasm and commit it').toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
