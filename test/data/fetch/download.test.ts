import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchItem, type DownloadOptions } from '../../../src/data/fetch/download.js';
import type { FetchItem } from '../../../src/data/fetch/plan.js';
import { FetchError } from '../../../src/data/fetch/sources.js';
import { checksumText, klineDayCsv, makeZip, serve, sha256, type Route, type Served } from './fixtures.js';

const DAY = Date.UTC(2025, 9, 10);
const PATH = 'data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-10-10.zip';
const NAME = 'BTCUSDT-1m-2025-10-10.zip';
const ZIP = makeZip([{ name: 'BTCUSDT-1m-2025-10-10.csv', data: Buffer.from(klineDayCsv(DAY, 120_000)) }]);

let dir: string;
let server: Served | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-fetch-'));
});
afterEach(async () => {
  await server?.close();
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Serves the zip and its checksum at the archive's path, with `zip` overriding how the zip itself is served. */
async function archive(zip: Partial<Route> = {}, checksum = checksumText(ZIP, NAME)): Promise<Served> {
  server = await serve((p) => {
    if (p === `/${PATH}`) return { body: ZIP, ...zip };
    if (p === `/${PATH}.CHECKSUM`) return { body: Buffer.from(checksum) };
    return undefined;
  });
  return server;
}

function item(origin: string, required = true): FetchItem {
  return { kind: 'klines', source: 'binance', url: `${origin}/${PATH}`, checksumUrl: `${origin}/${PATH}.CHECKSUM`, cachePath: `binance/${PATH}`, required };
}

const retries: string[] = [];
const opts = (over: Partial<DownloadOptions> = {}): DownloadOptions => ({
  dataDir: dir, retries: 3, retryBaseMs: 1, timeoutMs: 5_000,
  events: { onRetry: (_i, attempt, _m, delay, why) => void retries.push(`${attempt}:${delay}:${why}`) },
  ...over,
});
beforeEach(() => void (retries.length = 0));

const finalPath = (): string => join(dir, 'binance', PATH);
const zipRequests = (s: Served): Array<string | undefined> => s.requests.filter((r) => r.path === `/${PATH}`).map((r) => r.range);

describe('fetchItem against a local server with the archive layout', () => {
  it('downloads a zip, checks it against the published sha256, renames it into place, and serves it from the cache next time', async () => {
    const s = await archive();
    const o = await fetchItem(item(s.origin), opts());
    expect(o).toMatchObject({ status: 'downloaded', bytes: ZIP.length, sha256: sha256(ZIP), verifiedBy: 'published-sha256' });
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
    expect(existsSync(`${finalPath()}.part`)).toBe(false);
    const before = s.requests.length;
    const again = await fetchItem(item(s.origin), opts());
    expect(again.status).toBe('cached');
    expect(s.requests.length).toBe(before); // no network at all for a verified cached file
  });

  it('resumes after the server drops the connection mid-file (Range from the bytes on disk) and ends with the exact file', async () => {
    const s = await archive({ dropAfter: { bytes: 1000, times: 1 } });
    const o = await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual([undefined, 'bytes=1000-']);
    expect(o).toMatchObject({ status: 'downloaded', resumedBytes: 1000, sha256: sha256(ZIP) });
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/^1:1:connection (dropped|failed) after 1000 bytes/);
  });

  it('resumes a .part left by an earlier run instead of starting over', async () => {
    const s = await archive();
    mkdirSync(dirname(finalPath()), { recursive: true });
    writeFileSync(`${finalPath()}.part`, ZIP.subarray(0, 700));
    const o = await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual(['bytes=700-']);
    expect(o.resumedBytes).toBe(700);
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('a whole file left in .part (stopped before the rename) is verified and renamed without fetching it again', async () => {
    const s = await archive();
    mkdirSync(dirname(finalPath()), { recursive: true });
    writeFileSync(`${finalPath()}.part`, ZIP);
    const o = await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual([`bytes=${ZIP.length}-`]); // answered 416 `bytes */<size>`
    expect(o).toMatchObject({ status: 'downloaded', sha256: sha256(ZIP), resumedBytes: ZIP.length });
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('a .part of the right length but other bytes fails the checksum, then one clean download wins', async () => {
    const s = await archive();
    mkdirSync(dirname(finalPath()), { recursive: true });
    writeFileSync(`${finalPath()}.part`, Buffer.alloc(ZIP.length, 1));
    await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual([`bytes=${ZIP.length}-`, undefined]);
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('a .part longer than the file is thrown away and the file fetched whole', async () => {
    const s = await archive();
    mkdirSync(dirname(finalPath()), { recursive: true });
    writeFileSync(`${finalPath()}.part`, Buffer.concat([ZIP, Buffer.from('junk')]));
    await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual([`bytes=${ZIP.length + 4}-`, undefined]);
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('a stale .part (bytes of another file) fails the checksum once, then one clean download wins', async () => {
    const s = await archive();
    mkdirSync(dirname(finalPath()), { recursive: true });
    writeFileSync(`${finalPath()}.part`, Buffer.alloc(700, 7));
    const o = await fetchItem(item(s.origin), opts());
    expect(zipRequests(s)).toEqual(['bytes=700-', undefined]);
    expect(o.status).toBe('downloaded');
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('still gets the right bytes from a server that ignores Range (200 with the whole file)', async () => {
    const s = await archive({ dropAfter: { bytes: 1000, times: 1 }, ignoreRange: true });
    await fetchItem(item(s.origin), opts());
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('refuses a truncated file served as if complete: checksum mismatch, nothing left under the final name or as .part', async () => {
    const short = ZIP.subarray(0, ZIP.length - 200);
    const s = await archive({ body: short });
    const err = await fetchItem(item(s.origin), opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as Error).message).toContain(`checksum mismatch: sha256 of the download is ${sha256(short)}, the published .CHECKSUM says ${sha256(ZIP)}`);
    expect(existsSync(finalPath())).toBe(false);
    expect(existsSync(`${finalPath()}.part`)).toBe(false);
  });

  it('refuses a bad published checksum (the file is intact, the sums differ)', async () => {
    const wrong = sha256('not the file');
    const s = await archive({}, `${wrong}  ${NAME}\n`);
    await expect(fetchItem(item(s.origin), opts())).rejects.toThrow(`the published .CHECKSUM says ${wrong}; the download was deleted`);
    expect(existsSync(finalPath())).toBe(false);
  });

  it('refuses a checksum file that names another file', async () => {
    const s = await archive({}, checksumText(ZIP, 'BTCUSDT-1m-2025-10-11.zip'));
    await expect(fetchItem(item(s.origin), opts())).rejects.toThrow("checksum names 'BTCUSDT-1m-2025-10-11.zip', expected 'BTCUSDT-1m-2025-10-10.zip'");
  });

  it('a 404 stops a required file with its URL, and skips an optional one', async () => {
    server = await serve(() => undefined);
    const s = server;
    await expect(fetchItem(item(s.origin), opts())).rejects.toThrow(`not found (HTTP 404): ${s.origin}/${PATH}.CHECKSUM`);
    const o = await fetchItem(item(s.origin, false), opts());
    expect(o.status).toBe('missing');
    expect(existsSync(finalPath())).toBe(false);
  });

  it('retries a server error with exponential backoff (1, 2, 4 ms from a 1 ms base), then succeeds', async () => {
    const s = await archive({ failTimes: 3 });
    await fetchItem(item(s.origin), opts());
    expect(retries.map((r) => r.split(':').slice(0, 2).join(':'))).toEqual(['1:1', '2:2', '3:4']);
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });

  it('gives up after its retries with one line naming the URL', async () => {
    const s = await archive({ failTimes: 99 });
    await expect(fetchItem(item(s.origin), opts({ retries: 2 }))).rejects.toThrow(`${s.origin}/${PATH}: gave up after 3 attempts: HTTP 500`);
  });

  it('says the host cannot be reached, without retrying, when nothing listens', async () => {
    const s = await archive();
    const origin = s.origin;
    await s.close();
    server = null;
    await expect(fetchItem(item(origin), opts())).rejects.toThrow(`cannot reach ${origin.slice('http://'.length)}: offline? (ECONNREFUSED)`);
    expect(retries).toEqual([]);
  });

  it('re-fetches a cached file that no longer matches its checksum', async () => {
    const s = await archive();
    await fetchItem(item(s.origin), opts());
    writeFileSync(finalPath(), 'damaged');
    const o = await fetchItem(item(s.origin), opts());
    expect(o.status).toBe('downloaded');
    expect(readFileSync(finalPath()).equals(ZIP)).toBe(true);
  });
});
