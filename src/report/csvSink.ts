import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Where CSV text goes, a chunk at a time. */
export interface TextSink {
  write(text: string): void;
}

/** Text kept in memory (tests, small outputs). */
export class StringSink implements TextSink {
  private readonly parts: string[] = [];
  write(text: string): void {
    this.parts.push(text);
  }
  toString(): string {
    return this.parts.join('');
  }
}

/** About 1 MiB of text per write: few system calls, no string near V8's limit. */
const CHUNK_CHARS = 1 << 20;

/**
 * A file written as it is produced: rows gather in a chunk of about 1 MiB,
 * which is written (and with gzip, compressed as one gzip member: a file of
 * several members is a valid .gz that gunzip and zlib read whole) before the
 * next is built. Memory stays one chunk however long the run.
 */
export class FileSink implements TextSink {
  private readonly fd: number;
  private readonly gzip: boolean;
  private chunk = '';

  constructor(path: string, opts: { gzip?: boolean } = {}) {
    this.fd = openSync(path, 'w');
    this.gzip = opts.gzip === true;
  }

  write(text: string): void {
    this.chunk += text;
    if (this.chunk.length >= CHUNK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    const bytes = Buffer.from(this.chunk, 'utf8');
    this.chunk = '';
    writeSync(this.fd, this.gzip ? gzipSync(bytes) : bytes);
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Opens `path`, lets `write` stream into it, and closes it whether or not `write` throws. */
export function streamToFile(path: string, write: (sink: TextSink) => void, opts: { gzip?: boolean } = {}): void {
  const sink = new FileSink(path, opts);
  try {
    write(sink);
  } finally {
    sink.close();
  }
}
