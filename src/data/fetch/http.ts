import { createWriteStream, statSync, truncateSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { FetchError } from './sources.js';

/**
 * One HTTP GET streamed into a `.part` file, resuming from its current size
 * with a Range request. It never renames anything: the caller verifies the
 * bytes and only then gives the file its final name.
 */

/** A failure worth another attempt (dropped connection, short body, 5xx, timeout). */
export class TransientError extends Error {}

/** The server says the file is not there (404/410). */
export class NotFoundError extends FetchError {}

export interface GetOptions {
  /** Idle socket time before the attempt is abandoned, ms. */
  readonly timeoutMs: number;
  /** Called with the bytes in the `.part` file so far (including resumed ones) and the total when known. */
  readonly onBytes?: (done: number, total: number | null) => void;
  /** Called once the response headers say where the download starts and ends. */
  readonly onStart?: (resumedFrom: number, total: number | null) => void;
}

/** Errors that mean the host cannot be reached at all: retrying will not help, the machine is likely offline. */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

export function offlineError(url: string, err: unknown): FetchError | null {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || !OFFLINE_CODES.has(code)) return null;
  return new FetchError(`cannot reach ${new URL(url).host}: offline? (${code})`);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const MAX_REDIRECTS = 5;

/**
 * Downloads `url` into `partPath`, appending to what is already there.
 * Resolves with the file's size when the body ended at the length the server
 * announced; rejects with TransientError for a retryable failure (bytes
 * received so far stay in the `.part` file for the next attempt),
 * NotFoundError for 404/410, FetchError for anything else.
 */
export async function getToPart(url: string, partPath: string, opts: GetOptions, redirects = 0): Promise<number> {
  const offset = sizeOf(partPath);
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise<number>((resolvePromise, rejectPromise) => {
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      rejectPromise(e);
    };
    const headers: Record<string, string> = { 'user-agent': 'cascade-lab', 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let responded = false;
    const req = lib.get(u, { headers }, (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return fail(new FetchError(`too many redirects at ${url}`));
        settled = true;
        getToPart(new URL(res.headers.location, u).toString(), partPath, opts, redirects + 1).then(resolvePromise, rejectPromise);
        return;
      }
      if (status === 404 || status === 410) {
        res.resume();
        return fail(new NotFoundError(`not found (HTTP ${status}): ${url}`));
      }
      if (status === 416) {
        res.resume();
        // A run stopped between the last byte and the rename left a whole file in
        // the part: the server says so with `bytes */<size>`, and the checksum decides.
        const whole = /^bytes \*\/(\d+)$/.exec(res.headers['content-range'] ?? '');
        if (whole && Number(whole[1]) === offset) {
          opts.onStart?.(offset, offset);
          settled = true;
          resolvePromise(offset);
          return;
        }
        truncateSync(partPath, 0);
        return fail(new TransientError(`HTTP 416 for a resume at byte ${offset}; starting over`));
      }
      if (status >= 500 || status === 429 || status === 408) {
        res.resume();
        return fail(new TransientError(`HTTP ${status}`));
      }
      if (status !== 200 && status !== 206) {
        res.resume();
        return fail(new FetchError(`HTTP ${status} from ${url}`));
      }
      let start = 0;
      if (status === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
        if (!m || Number(m[1]) !== offset) {
          res.resume();
          truncateSync(partPath, 0);
          return fail(new TransientError(`a resume at byte ${offset} got '${res.headers['content-range'] ?? ''}'; starting over`));
        }
        start = offset;
      }
      // A 200 to a Range request means the server ignored it: the body is the whole file.
      const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
      const total = length === null ? null : start + length;
      opts.onStart?.(start, total);
      const out = createWriteStream(partPath, { flags: start > 0 ? 'a' : 'w' });
      let done = start;
      let broken: Error | null = null;
      // A dropped body still ends the file stream, and the attempt settles only
      // once it is closed, so the next attempt's Range starts at the bytes on disk.
      const breakOff = (e: Error): void => {
        if (broken !== null) return;
        broken = e;
        res.unpipe(out);
        out.end();
      };
      res.on('data', (chunk: Buffer) => {
        done += chunk.length;
        opts.onBytes?.(done, total);
      });
      res.on('aborted', () => breakOff(new TransientError(`connection dropped after ${done} bytes`)));
      res.on('error', (e) => breakOff(new TransientError(`connection failed after ${done} bytes: ${e.message}`)));
      res.pipe(out);
      out.on('error', (e) => fail(new FetchError(`cannot write ${partPath}: ${e.message}`)));
      out.on('close', () => {
        if (broken !== null) return fail(broken);
        if (total !== null && done !== total) return fail(new TransientError(`body ended at ${done} of ${total} bytes`));
        if (!res.complete) return fail(new TransientError(`connection dropped after ${done} bytes`));
        if (settled) return;
        settled = true;
        resolvePromise(done);
      });
    });
    req.setTimeout(opts.timeoutMs, () => {
      req.destroy(new TransientError(`no data for ${opts.timeoutMs} ms`));
    });
    req.on('error', (e) => {
      // Once the body flows, its own handlers settle the attempt after the file is closed.
      if (responded) return;
      const offline = offlineError(url, e);
      if (offline) return fail(offline);
      fail(e instanceof TransientError ? e : new TransientError(`${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
  });
}
