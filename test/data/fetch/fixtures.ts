import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';

/**
 * Test fixtures for the downloaders: a small ZIP writer (its CRC-32 is the
 * bit-by-bit definition, independent of the reader's table), hand-made
 * Binance-style rows, and a local HTTP server on 127.0.0.1:0 that serves the
 * publishers' URL layout and can misbehave on request.
 */

/** CRC-32 computed one bit at a time, straight from the polynomial. */
export function crc32Bitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export function makeZip(entries: ReadonlyArray<{ name: string; data: Buffer }>, method: 0 | 8 = 8): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const crc = crc32Bitwise(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Binance's `.CHECKSUM` text for a file. */
export const checksumText = (body: Buffer, fileName: string): string => `${sha256(body)}  ${fileName}\n`;

const MINUTE = 60_000;

/**
 * A day of 1-minute USD-M kline rows (with the futures header): a close that
 * walks down `slope` a minute from `startPrice` with a small wiggle, so a
 * reader can check any row by hand: close_i = startPrice·(1 − slope·i) + 5·sin(i).
 */
export function klineDayCsv(dayStartMs: number, startPrice: number, header = true, slope = 1e-4): string {
  const rows: string[] = header ? ['open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore'] : [];
  let prev = startPrice;
  for (let i = 0; i < 1440; i++) {
    const t = dayStartMs + i * MINUTE;
    const close = Math.round((startPrice * (1 - slope * i) + 5 * Math.sin(i)) * 10) / 10;
    const open = prev;
    const vol = 10 + (i % 7);
    rows.push(
      [t, open.toFixed(1), (Math.max(open, close) + 1).toFixed(1), (Math.min(open, close) - 1).toFixed(1), close.toFixed(1), vol.toFixed(3), t + MINUTE - 1,
        (vol * close).toFixed(4), 100 + i, (vol / 2).toFixed(3), ((vol / 2) * close).toFixed(4), 0].join(','),
    );
    prev = close;
  }
  return `${rows.join('\n')}\n`;
}

export interface Route {
  body: Buffer;
  /** Close the socket after this many body bytes, for the first `times` requests. */
  dropAfter?: { bytes: number; times: number };
  /** Answer 500 to the first `times` requests. */
  failTimes?: number;
  /** Answer 200 with the whole body even to a Range request. */
  ignoreRange?: boolean;
}

export interface Served {
  readonly origin: string;
  readonly requests: Array<{ path: string; range: string | undefined }>;
  close(): Promise<void>;
}

/**
 * Serves `routes(path)` (path with query, without the origin); undefined is a
 * 404. Range requests get 206 with Content-Range, as S3 and CloudFront answer.
 */
export async function serve(routes: (path: string) => Route | undefined): Promise<Served> {
  const requests: Served['requests'] = [];
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const range = req.headers.range;
    requests.push({ path, range });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const route = routes(path);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (route.failTimes !== undefined && n <= route.failTimes) {
      res.writeHead(500);
      res.end('busy');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !route.ignoreRange) {
      start = Number(m[1]);
      if (start >= route.body.length) {
        res.writeHead(416, { 'content-range': `bytes */${route.body.length}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'content-length': route.body.length - start, 'content-range': `bytes ${start}-${route.body.length - 1}/${route.body.length}` });
    } else {
      res.writeHead(200, { 'content-length': route.body.length });
    }
    const rest = route.body.subarray(start);
    if (route.dropAfter !== undefined && n <= route.dropAfter.times) {
      res.write(rest.subarray(0, route.dropAfter.bytes), () => {
        // Let the bytes reach the client before the connection goes.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
