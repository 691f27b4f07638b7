import type { Command } from 'commander';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../../core/errors.js';
import { buildComparisonReport } from '../../report/html/comparePage.js';
import { buildRunReportFromFolder } from '../../report/html/runPage.js';

/**
 * `cascade report <folder>`: rebuilds report.html of a run folder (or
 * compare.html of a compare folder) from the folder's own files. The page
 * is written beside them through a temporary file and a rename, so a
 * failure leaves the previous page in place.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('rebuild report.html of a run folder (or compare.html of a compare folder) from its files')
    .argument('<folder>', 'a folder written by `cascade run` or `cascade compare`')
    .action((folder: string) => {
      const dir = resolve(folder);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError('not a folder', { file: dir });
      const isCompare = existsSync(join(dir, 'compare.json'));
      const name = isCompare ? 'compare.html' : 'report.html';
      let html: string;
      if (isCompare) {
        const path = join(dir, 'compare.json');
        let doc: unknown;
        try {
          doc = JSON.parse(readFileSync(path, 'utf8'));
        } catch (err) {
          throw new DataError(`not valid JSON (${(err as Error).message})`, { file: path });
        }
        html = buildComparisonReport(doc);
      } else html = buildRunReportFromFolder(dir);
      const tmp = join(dir, `.${name}.partial`);
      writeFileSync(tmp, html);
      renameSync(tmp, join(dir, name));
      process.stdout.write(`${join(dir, name)}\n`);
    });
}
