/**
 * Each committed .wasm is what its source compiles to: every `asc` command
 * of `npm run build:wasm` is run again with the pinned AssemblyScript
 * compiler into a temporary directory, and the bytes compared with the
 * committed file its `-o` names (the valuation kernel and the book's level
 * loops). Skips, saying why, where the compiler is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

/** The arguments of each `asc` command in the build:wasm script. */
function buildCommands(): string[][] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts['build:wasm'].split('&&').map((cmd) => {
    const args = cmd.trim().split(/\s+/);
    expect(args[0]).toBe('asc');
    return args.slice(1);
  });
}

describe('the committed WebAssembly modules', () => {
  const have = existsSync(ASC);
  if (!have) console.warn(`skipping the WASM rebuild check: no AssemblyScript compiler at ${ASC} (npm install installs it)`);
  const commands = buildCommands();

  it('build:wasm builds the valuation kernel and the book levels', () => {
    const outputs = commands.map((flags) => flags[flags.indexOf('-o') + 1]);
    expect(outputs).toEqual(['src/pricing/wasm/valuation.wasm', 'src/market/wasm/bookLevels.wasm']);
  });

  for (const flags of commands) {
    const out = flags.indexOf('-o');
    const committed = flags[out + 1];
    it.skipIf(!have)(`${committed} is byte-identical to a fresh build of ${flags[0]}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'cascade-wasm-'));
      try {
        const fresh = join(dir, basename(committed));
        const args = flags.slice();
        args[out + 1] = fresh;
        execFileSync(process.execPath, [ASC, ...args], { cwd: ROOT, stdio: 'pipe' });
        const a = readFileSync(fresh);
        const b = readFileSync(join(ROOT, committed));
        expect(a.length).toBeGreaterThan(300);
        expect(Buffer.compare(a, b), `${committed} is stale: run npm run build:wasm and commit it`).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
