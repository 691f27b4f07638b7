import { inflateRawSync } from 'node:zlib';
import { FetchError } from './sources.js';

/**
 * The few lines of the ZIP format the archive's files need: the central
 * directory, stored or deflated entries, and each entry's CRC-32 and size
 * checked after inflating (so a zip whose checksum file was also corrupt
 * still cannot pass as complete). ZIP64 is refused: no kline file comes near
 * 4 GiB.
 */

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected, as ZIP uses it). */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export function readZip(buf: Buffer, file: string): ZipEntry[] {
  const bad = (why: string): FetchError => new FetchError(`not a readable zip: ${why}`, { file });
  // The end record sits in the last 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record (truncated?)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 archives are not supported');
  if (cdOffset + cdSize > eocd) throw bad('central directory lies outside the file');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIG) throw bad(`central directory entry ${n + 1} is damaged`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_SIG) throw bad(`local header of '${name}' is damaged`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compSize > buf.length) throw bad(`'${name}' runs past the end of the file (truncated?)`);
    const raw = buf.subarray(start, start + compSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (e) {
        throw bad(`'${name}' does not inflate: ${(e as Error).message}`);
      }
    } else throw bad(`'${name}' uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== size) throw bad(`'${name}' inflates to ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) !== crc) throw bad(`'${name}' fails its CRC-32`);
    entries.push({ name, data });
  }
  return entries;
}
