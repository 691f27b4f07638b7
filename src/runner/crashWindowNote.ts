import { formatIsoUtc } from '../core/time.js';
import { crashNames, crashWindowMs, getCrash } from '../data/catalog.js';

/**
 * `cascade run <crash> --data FILE` sizes the default model to the crash
 * and runs the file's bars as they are: `--data` sets the bars and nothing
 * else, so the crash's catalog window does not cut the file. When the file
 * misses that window, or runs far past it (more than three times its length, as
 * a long history brought for one crash does), the printout says so; the
 * run itself is unchanged.
 */
export function crashWindowNote(crash: string, firstBarMs: number, lastBarMs: number): string | undefined {
  const { startMs, endMs } = crashWindowMs(getCrash(crash));
  const span = `${formatIsoUtc(startMs).slice(0, 10)} .. ${formatIsoUtc(endMs).slice(0, 10)}`;
  if (lastBarMs < startMs || firstBarMs >= endMs) {
    return `the bars do not overlap ${crash}'s catalog window (${span}), yet the positions are sized to that crash: name the crash the file holds (\`cascade crashes\`), or size the positions with --set`;
  }
  if (lastBarMs - firstBarMs > 3 * (endMs - startMs)) {
    const window = JSON.stringify({ start: formatIsoUtc(startMs), end: formatIsoUtc(endMs) });
    return `the bars run far past ${crash}'s catalog window (${span}): --data runs the whole file; --set 'data.window=${window}' runs the crash alone`;
  }
  return undefined;
}

/** The printout's NOTE lines for `<crash> --data FILE` (run and compare): none unless the target is a catalog crash given a file. */
export function crashDataNotes(target: string, dataFile: string | undefined, firstBarMs: number, lastBarMs: number): string[] {
  if (dataFile === undefined || !crashNames().includes(target)) return [];
  const note = crashWindowNote(target, firstBarMs, lastBarMs);
  return note === undefined ? [] : [`NOTE ${note}`];
}
