import type { Command } from 'commander';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../../core/errors.js';
import { buildComparisonReport } from '../../report/html/comparePage.js';
import { buildMarginReport, checkMarginDoc } from '../../report/html/marginPage.js';
import { buildReplayReport, checkReplayDoc } from '../../report/html/replayPage.js';
import { buildRunReportFromFolder } from '../../report/html/runPage.js';
import { buildSweepReport } from '../../report/html/sweepPage.js';

const PAGES = [
  { json: 'compare.json', html: 'compare.html', build: buildComparisonReport },
  { json: 'sweep.json', html: 'sweep.html', build: buildSweepReport },
  { json: 'replay.json', html: 'replay.html', build: (doc: unknown) => buildReplayReport(checkReplayDoc(doc)) },
  { json: 'margin-compare.json', html: 'margin-compare.html', build: (doc: unknown) => buildMarginReport(checkMarginDoc(doc)) },
] as const;

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
}

/**
 * `cascade report <folder>`: rebuilds report.html of a run folder (or
 * compare.html of a compare folder, sweep.html of a sweep folder,
 * replay.html of a replay folder, margin-compare.html of a margin compare
 * folder) from the folder's own files. The page
 * is written beside them through a temporary file and a rename, so a
 * failure leaves the previous page in place.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('rebuild report.html of a run folder (compare.html of a compare folder, sweep.html of a sweep folder, replay.html of a replay folder, margin-compare.html of a margin compare folder) from its files')
    .argument('<folder>', 'a folder written by `cascade run`, `cascade compare`, `cascade sweep`, `cascade replay` or `cascade margin compare --out`')
    .action((folder: string) => {
      const dir = resolve(folder);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError('not a folder', { file: dir });
      // A compare, sweep or replay folder's page is built from its one JSON document; a run folder's from its files.
      const page = PAGES.find((p) => existsSync(join(dir, p.json)));
      const name = page?.html ?? 'report.html';
      const html = page ? page.build(readJson(join(dir, page.json))) : buildRunReportFromFolder(dir);
      const tmp = join(dir, `.${name}.partial`);
      writeFileSync(tmp, html);
      renameSync(tmp, join(dir, name));
      process.stdout.write(`${join(dir, name)}\n`);
    });
}
