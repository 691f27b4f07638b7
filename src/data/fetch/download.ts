import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseTradesPage } from './deribitTradesPage.js';
import { getToPart, NotFoundError, TransientError } from './http.js';
import type { FetchItem } from './plan.js';
import { FetchError } from './sources.js';

/**
 * One planned file, fetched so that nothing partial ever looks complete: the
 * bytes go to `<name>.part` (resumed with a Range request after a drop),
 * are checked (Binance's published sha256, or the shape of a Deribit or
 * CBOE answer, which publish none), and only then renamed to `<name>`. A
 * file under its final name was verified when it got that name.
 */

export interface FetchEvents {
  /** A download (or a resumed one) started: bytes already in the `.part` file, total if announced. */
  onStart?(item: FetchItem, resumedFrom: number, total: number | null): void;
  onBytes?(item: FetchItem, done: number, total: number | null): void;
  onRetry?(item: FetchItem, attempt: number, maxAttempts: number, delayMs: number, reason: string): void;
  onDone?(item: FetchItem, outcome: ItemOutcome): void;
}

export interface DownloadOptions {
  readonly dataDir: string;
  /** Attempts after the first one for a retryable failure. */
  readonly retries: number;
  /** Wait before the first retry, ms; doubled for each further one. */
  readonly retryBaseMs: number;
  readonly timeoutMs: number;
  readonly events?: FetchEvents;
}

export type ItemStatus = 'downloaded' | 'cached' | 'missing';

export interface ItemOutcome {
  readonly item: FetchItem;
  readonly status: ItemStatus;
  /** Absolute path of the verified file (absent when missing). */
  readonly path?: string;
  readonly bytes?: number;
  readonly sha256?: string;
  /** 'published' when checked against the publisher's sha256. */
  readonly verifiedBy?: 'published-sha256' | 'content';
  /** Bytes a resumed download did not fetch again. */
  readonly resumedBytes?: number;
}

/** Backoff cap: past 30 s a wait tells the user nothing new. */
const MAX_DELAY_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withRetries<T>(item: FetchItem, opts: DownloadOptions, url: string, attemptFn: () => Promise<T>): Promise<T> {
  const maxAttempts = opts.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptFn();
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      if (attempt >= maxAttempts) throw new FetchError(`gave up after ${maxAttempts} attempts: ${e.message}`, { file: url });
      const delay = Math.min(MAX_DELAY_MS, opts.retryBaseMs * 2 ** (attempt - 1));
      opts.events?.onRetry?.(item, attempt, maxAttempts, delay, e.message);
      await sleep(delay);
    }
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function removeIfThere(path: string): void {
  if (existsSync(path)) unlinkSync(path);
}

/** `<64 hex>  <file name>`, the layout of Binance's `.CHECKSUM` files (sha256sum's). */
export function parseChecksum(text: string, expectedName: string, file: string): string {
  const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(text.split('\n')[0] ?? '');
  if (!m) throw new FetchError(`not a checksum file: expected '<sha256>  ${expectedName}', got '${text.slice(0, 100)}'`, { file });
  if (m[2] !== expectedName) throw new FetchError(`checksum names '${m[2]}', expected '${expectedName}'`, { file });
  return m[1].toLowerCase();
}

/** Checks a non-Binance file before it gets its final name: the publisher gives no checksum, so its shape is what can be checked. */
function checkContent(item: FetchItem, path: string): void {
  const text = readFileSync(path, 'utf8');
  if (item.kind === 'dvol') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FetchError(`Deribit's answer is not JSON: '${text.slice(0, 100)}'`, { file: item.url });
    }
    const data = (json as { result?: { data?: unknown } }).result?.data;
    const rowsOk = Array.isArray(data) && data.every((r) => Array.isArray(r) && r.length === 5 && r.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!rowsOk) throw new FetchError('Deribit\'s answer has no result.data of [timestamp, open, high, low, close] rows', { file: item.url });
  } else if (item.kind === 'index') {
    checkChart(text, item.url);
  } else if (item.kind === 'optionTrades') {
    const q = new URL(item.url).searchParams;
    parseTradesPage(text, item.url, Number(q.get('start_timestamp')), Number(q.get('end_timestamp')));
  } else if (item.kind === 'vix') {
    const header = text.split(/\r?\n/, 1)[0].trim().toUpperCase();
    if (header !== 'DATE,OPEN,HIGH,LOW,CLOSE') throw new FetchError(`CBOE's VIX history should start 'DATE,OPEN,HIGH,LOW,CLOSE', got '${header.slice(0, 80)}'`, { file: item.url });
  }
}

const CHART_SERIES = ['ticks', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Deribit's TradingView candles: parallel arrays of one length, all finite numbers ('no_data' answers carry empty ones). */
function checkChart(text: string, url: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FetchError(`Deribit's answer is not JSON: '${text.slice(0, 100)}'`, { file: url });
  }
  const r = (json as { result?: Record<string, unknown> } | null)?.result;
  if (r === undefined || r === null || typeof r !== 'object') throw new FetchError("Deribit's answer has no result object", { file: url, field: 'result' });
  const n = Array.isArray(r.ticks) ? r.ticks.length : -1;
  for (const k of CHART_SERIES) {
    const a = r[k];
    if (!Array.isArray(a) || a.length !== n) throw new FetchError(`expected an array as long as result.ticks (${n})`, { file: url, field: `result.${k}` });
    const bad = a.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new FetchError(`expected a finite number, got ${JSON.stringify(a[bad])}`, { file: url, field: `result.${k}[${bad}]` });
  }
}

/** Downloads a small file whole (a fresh `.part`, no resume), returning its final path. */
async function fetchWhole(item: FetchItem, url: string, finalPath: string, opts: DownloadOptions): Promise<void> {
  const part = `${finalPath}.part`;
  removeIfThere(part);
  await withRetries(item, opts, url, () => getToPart(url, part, { timeoutMs: opts.timeoutMs }));
  renameSync(part, finalPath);
}

export async function fetchItem(item: FetchItem, opts: DownloadOptions): Promise<ItemOutcome> {
  const finalPath = join(opts.dataDir, item.cachePath);
  const part = `${finalPath}.part`;
  const checksumPath = `${finalPath}.CHECKSUM`;
  mkdirSync(dirname(finalPath), { recursive: true });
  const outcome = (o: Omit<ItemOutcome, 'item'>): ItemOutcome => {
    const full = { item, ...o };
    opts.events?.onDone?.(item, full);
    return full;
  };
  try {
    if (existsSync(finalPath)) {
      const sha = await sha256File(finalPath);
      if (item.checksumUrl === undefined) return outcome({ status: 'cached', path: finalPath, bytes: statSync(finalPath).size, sha256: sha, verifiedBy: 'content' });
      if (existsSync(checksumPath) && parseChecksum(readFileSync(checksumPath, 'utf8'), basename(finalPath), checksumPath) === sha) {
        return outcome({ status: 'cached', path: finalPath, bytes: statSync(finalPath).size, sha256: sha, verifiedBy: 'published-sha256' });
      }
      // A cached file that no longer matches is not trusted: fetch it again.
      unlinkSync(finalPath);
    }
    let published: string | null = null;
    if (item.checksumUrl !== undefined) {
      // Fetched afresh each time the file is: the publisher may have replaced both.
      await fetchWhole(item, item.checksumUrl, checksumPath, opts);
      published = parseChecksum(readFileSync(checksumPath, 'utf8'), basename(finalPath), item.checksumUrl);
    }
    for (let fresh = false; ; fresh = true) {
      let resumedBytes = 0;
      const bytes = await withRetries(item, opts, item.url, () =>
        getToPart(item.url, part, {
          timeoutMs: opts.timeoutMs,
          onStart: (from, total) => {
            resumedBytes = Math.max(resumedBytes, from);
            opts.events?.onStart?.(item, from, total);
          },
          onBytes: (done, total) => opts.events?.onBytes?.(item, done, total),
        }),
      );
      const sha = await sha256File(part);
      if (published !== null && sha !== published) {
        unlinkSync(part);
        // Bytes kept from an earlier attempt may belong to an older copy of the
        // file; one clean download settles whether the file itself is bad.
        if (resumedBytes > 0 && !fresh) continue;
        throw new FetchError(`checksum mismatch: sha256 of the download is ${sha}, the published .CHECKSUM says ${published}; the download was deleted`, {
          file: item.url,
        });
      }
      try {
        checkContent(item, part);
      } catch (e) {
        unlinkSync(part);
        throw e;
      }
      renameSync(part, finalPath);
      return outcome({
        status: 'downloaded', path: finalPath, bytes, sha256: sha,
        verifiedBy: published !== null ? 'published-sha256' : 'content',
        ...(resumedBytes > 0 ? { resumedBytes } : {}),
      });
    }
  } catch (e) {
    if (e instanceof NotFoundError && !item.required) return outcome({ status: 'missing' });
    throw e;
  }
}
