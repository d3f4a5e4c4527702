/**
 * A buffered pino destination: log lines collect in memory and leave in one blocking write once
 * `minLength` characters are pending, on flush() (server.ts calls it every second) and on
 * flushSync() at exit.
 *
 * Why not pino.destination (sonic-boom): with a buffer, its write() measures the byte length of
 * the whole pending buffer on every line, about 1.5 µs per line at 4 KiB, which was a visible
 * share of a proxied request. Here a line costs an array push; the write is synchronous, so lines
 * keep their order and nothing is in flight when the process exits. A reader that stops reading
 * blocks the writer (as pino's default synchronous stdout does) rather than losing lines.
 */
import { writeSync } from "node:fs";

/** Options of {@link LogDestination}. */
export interface LogDestinationOptions {
  /** Characters to collect before writing (default 16 KiB). */
  minLength?: number;
  /** The write (tests); default fs.writeSync. Returns bytes written. */
  writeSync?: (fd: number, buf: Buffer, offset: number, length: number) => number;
}

const EAGAIN_WAIT = new Int32Array(new SharedArrayBuffer(4));

/** Buffered line writer for a file descriptor. */
export class LogDestination {
  readonly #fd: number;
  readonly #minLength: number;
  readonly #write: (fd: number, buf: Buffer, offset: number, length: number) => number;
  #lines: string[] = [];
  #length = 0;
  /** Bytes that could not be written (the descriptor failed with something other than EAGAIN). */
  lostBytes = 0;

  constructor(fd: number, opts: LogDestinationOptions = {}) {
    this.#fd = fd;
    this.#minLength = opts.minLength ?? 16 * 1024;
    this.#write = opts.writeSync ?? ((f, b, o, l) => writeSync(f, b, o, l));
  }

  /** Takes one line (pino passes each with its newline). */
  write(line: string): boolean {
    this.#lines.push(line);
    this.#length += line.length;
    if (this.#length >= this.#minLength) this.flush();
    return true;
  }

  /** Writes everything pending. */
  flush(): void {
    if (this.#length === 0) return;
    const buf = Buffer.from(this.#lines.join(""), "utf8");
    this.#lines = [];
    this.#length = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += this.#write(this.#fd, buf, off, buf.length - off);
      } catch (err) {
        // A non-blocking pipe that is full: wait a little and retry, like a blocking write.
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
          Atomics.wait(EAGAIN_WAIT, 0, 0, 10);
          continue;
        }
        // Anything else (EPIPE: nobody reads stdout any more): logging must not fail requests.
        this.lostBytes += buf.length - off;
        return;
      }
    }
  }

  /** Same as flush (pino calls it on exit). */
  flushSync(): void {
    this.flush();
  }
}
