import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import-direction rule of docs/architecture.md: a folder of src/ may
 * import itself and the folders on lines above its own, nothing else.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Folder → level, read from the `layers` block of docs/architecture.md. */
export function readLayers(markdown: string): Map<string, number> {
  const m = /```layers\n([\s\S]*?)```/.exec(markdown);
  if (!m) throw new Error('docs/architecture.md has no ```layers block');
  const levels = new Map<string, number>();
  m[1]
    .trim()
    .split('\n')
    .forEach((line, level) => {
      for (const folder of line.trim().split(/\s+/)) levels.set(folder, level);
    });
  return levels;
}

export interface ImportEdge {
  readonly file: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
}

/** Every relative import of a file under src/ that leaves its top folder. */
export function importEdges(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const from = relative(SRC, file).split('/')[0];
  const lines = text.split('\n');
  const re = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  lines.forEach((l, i) => {
    for (const m of l.matchAll(re)) {
      const target = relative(SRC, resolve(dirname(file), m[1]));
      const to = target.startsWith('..') ? '(outside src)' : target.split('/')[0];
      if (to !== from) edges.push({ file: relative(ROOT, file), line: i + 1, from, to });
    }
  });
  return edges;
}

/** The edges that break the order, each as a sentence. */
export function violations(edges: readonly ImportEdge[], levels: Map<string, number>): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const a = levels.get(e.from);
    const b = levels.get(e.to);
    if (a === undefined) out.push(`${e.file}:${e.line}: folder '${e.from}' is not in docs/architecture.md's layers`);
    else if (b === undefined) out.push(`${e.file}:${e.line}: imports '${e.to}', which is not in docs/architecture.md's layers`);
    else if (b > a) out.push(`${e.file}:${e.line}: upward edge ${e.from} -> ${e.to}`);
    else if (b === a) out.push(`${e.file}:${e.line}: sideways edge ${e.from} -> ${e.to} (same line of the layers)`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layers', () => {
  const levels = readLayers(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));

  it('every import in src/ points down the layers of docs/architecture.md', () => {
    const edges = sourceFiles(SRC).flatMap((f) => importEdges(f, readFileSync(f, 'utf8')));
    expect(edges.length).toBeGreaterThan(100);
    expect(violations(edges, levels)).toEqual([]);
  });

  it('every folder of src/ has a line', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !levels.has(f))).toEqual([]);
  });

  it('names an upward and a sideways edge (the check can fail)', () => {
    const file = join(SRC, 'sim/agent.ts');
    const edges = importEdges(file, "import type { Ladder } from '../protocol/ladder.js';\nimport { x } from './ledger.js';\n");
    expect(violations(edges, levels)).toEqual(['src/sim/agent.ts:1: upward edge sim -> protocol']);
    const side = importEdges(join(SRC, 'dealer/book.ts'), "\n\nimport { y } from '../protocol/lots.js';");
    expect(violations(side, levels)).toEqual(['src/dealer/book.ts:3: sideways edge dealer -> protocol (same line of the layers)']);
  });
});
