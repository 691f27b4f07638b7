import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Everything a user who clones the repository reads must be in it. Every
 * tracked file is scanned (no extension is skipped) for:
 * - the team folder beside the checkout and absolute paths of the team
 *   machine (SHARED and MACHINE below);
 * - the team's model document, which is not in the repository (docs/model.md
 *   is: cite its sections);
 * - markdown links (in .md files) whose target leaves the repository, is an
 *   absolute path, or does not exist;
 * - `docs/<file>.md#anchor` citations (in any file, comments included) and
 *   markdown links with an anchor whose heading does not exist.
 * The patterns are assembled from pieces so this file does not match itself.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = ['..', 'shared'].join('/');
const MACHINE = `/${'work'}/`;
const TEAM_MODEL = ['MODEL', 'md'].join('.');
/** A citation of a section docs/model.md does not have. */
const MISSING = ['docs/model.md', 'no-such-section'].join('#');

/**
 * Lines allowed to name something outside the repository, each exactly,
 * with the reason. `.ci/run` points CASCADE_DATA_DIR at the team's data
 * folder when it sits beside the checkout (the env var is how tests reach
 * shared data; a clone without the folder skips those tests visibly).
 */
const ALLOWED: ReadonlyArray<{ file: string; line: string; why: string }> = [
  { file: '.ci/run', line: `if [ -z "\${CASCADE_DATA_DIR:-}" ] && [ -d ${SHARED}/data ]; then`, why: 'CI finds the team data folder beside the checkout' },
  { file: '.ci/run', line: `  export CASCADE_DATA_DIR="$(cd ${SHARED}/data && pwd)"`, why: 'CI sets the env var the data tests read' },
];

interface Problem {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\0').filter((f) => f !== '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(absPath: string): Set<string> {
  let a = anchorCache.get(absPath);
  if (!a) {
    a = headingAnchors(readFileSync(absPath, 'utf8'));
    anchorCache.set(absPath, a);
  }
  return a;
}

function insideRoot(absPath: string): boolean {
  const rel = relative(ROOT, absPath);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !resolve(rel).startsWith('..'));
}

/** Problems in one file's text; `file` is its path relative to the root. */
export function scanText(file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  const isMarkdown = file.endsWith('.md');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const add = (reason: string): void => void problems.push({ file, line: n + 1, text: line.trim(), reason });
    if (line.includes(SHARED)) add(`names ${SHARED}, outside the repository`);
    if (line.includes(MACHINE)) add(`names an absolute path under ${MACHINE}`);
    if (new RegExp(`\\b${TEAM_MODEL.replace('.', '\\.')}`).test(line)) add(`cites ${TEAM_MODEL}, which is not in the repository (cite docs/model.md)`);
    for (const m of line.matchAll(/docs\/([\w-]+\.md)#([\w-]+)/g)) {
      const target = join(ROOT, 'docs', m[1]);
      if (!existsSync(target)) add(`cites docs/${m[1]}, which does not exist`);
      else if (!anchorsOf(target).has(m[2])) add(`cites docs/${m[1]}#${m[2]}: no such heading`);
    }
    if (!isMarkdown) continue;
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not a path
      const [path, anchor] = target.split('#', 2);
      if (path.startsWith('/')) {
        add(`links to the absolute path ${path}`);
        continue;
      }
      const abs = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), path);
      if (!insideRoot(abs)) add(`links to ${target}, outside the repository`);
      else if (!existsSync(abs)) add(`links to ${target}, which does not exist`);
      else if (anchor !== undefined && abs.endsWith('.md') && !anchorsOf(abs).has(anchor)) add(`links to ${target}: no such heading`);
    }
  }
  return problems;
}

function isAllowed(p: Problem): boolean {
  return ALLOWED.some((a) => a.file === p.file && a.line.trim() === p.text);
}

describe('the repository is self-contained', () => {
  it('the scanner catches each kind of reference (so the scan below can fail)', () => {
    const md = [
      `see [the model](${SHARED}/${TEAM_MODEL})`,
      `data in ${MACHINE}shared/data`,
      'as in [x](../../outside.md) and [y](docs/missing.md) and [z](/etc/passwd)',
      'fine: [web](https://example.com), [model](docs/model.md#the-bar-loop)',
      `cited in ${MISSING}`,
    ].join('\n');
    expect(scanText('README.md', md).map((p) => `${p.line}: ${p.reason}`)).toEqual([
      `1: names ${SHARED}, outside the repository`,
      `1: cites ${TEAM_MODEL}, which is not in the repository (cite docs/model.md)`,
      `1: links to ${SHARED}/${TEAM_MODEL}, outside the repository`,
      `2: names an absolute path under ${MACHINE}`,
      '3: links to ../../outside.md, outside the repository',
      '3: links to docs/missing.md, which does not exist',
      '3: links to the absolute path /etc/passwd',
      `5: cites ${MISSING}: no such heading`,
    ]);
  });

  it('headings become GitHub anchors', () => {
    expect([...headingAnchors('# The model\n## P&L attribution\n### Herding\n### Herding\n```\n# not a heading\n```')]).toEqual([
      'the-model', 'pl-attribution', 'herding', 'herding-1',
    ]);
  });

  it('no tracked file names a path outside the repository or a missing section', () => {
    const problems: Problem[] = [];
    for (const file of trackedFiles()) {
      const abs = join(ROOT, file);
      if (!existsSync(abs)) continue; // deleted in the working tree, not yet committed
      problems.push(...scanText(file, readFileSync(abs, 'utf8')));
    }
    const left = problems.filter((p) => !isAllowed(p));
    expect(left.map((p) => `${p.file}:${p.line}: ${p.reason}: ${p.text}`)).toEqual([]);
    // Every allow-list entry must still be needed, or it hides nothing and should go.
    for (const a of ALLOWED) expect(problems.some((p) => p.file === a.file && p.text === a.line.trim()), `unused allow-list entry ${a.file}: ${a.line}`).toBe(true);
  });
});
