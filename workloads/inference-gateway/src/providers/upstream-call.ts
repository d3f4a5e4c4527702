/**
 * One upstream HTTP call on undici's `dispatch` API: the handler keeps the status, headers and
 * body chunks itself and hands them to one reader (the whole text, or UTF-8 chunks as they come).
 *
 * Why not `undici.request()`: its request handler, body stream and consume machinery cost CPU on
 * every call, and under load they made V8 promote about 1 MB per young-generation collection
 * (measured with --trace-gc-nvp: a bare `dispatch` proxy promotes ~15 KB). That filled the old
 * generation within seconds, and the mark-compact pauses that followed were the gateway's p99.
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";

/** Buffered body bytes above which the upstream is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024;

/** Thrown to the reader of a call cut by {@link UpstreamCall.abort}. */
export class CallAbortedError extends Error {
  readonly code = "UND_ERR_ABORTED";
}

/** The handler and reader of one upstream call. */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  statusCode = 0;
  headers: Record<string, string | string[] | undefined> = {};
  /** Resolves when the response head arrived; rejects if the call failed before. */
  readonly started: Promise<void>;
  #start: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #pendingAbort: Error | undefined;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #discarding = false;
  #discardTimer: NodeJS.Timeout | undefined;
  /** Called once when the call ended, failed or was aborted. */
  onFinish: (() => void) | undefined;

  constructor() {
    this.started = new Promise((resolve, reject) => {
      this.#start = { resolve, reject };
    });
  }

  /** Why the call failed, once it did (undefined while running or after a clean end). */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Whether the call has ended or failed. */
  get finished(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Cuts the call (before or after it started); the reader gets `reason`. */
  abort(reason: Error): void {
    if (this.finished) return;
    if (this.#controller === undefined) this.#pendingAbort = reason;
    else this.#controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
    this.#start?.resolve();
    this.#start = undefined;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#discarding) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= HIGH_WATER) controller.pause();
    this.#notify();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#done();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#error = err;
    this.#start?.reject(err);
    this.#start = undefined;
    this.#done();
  }

  /** The whole body as text. */
  async text(): Promise<string> {
    while (!this.finished) await this.#wait();
    if (this.#error !== undefined) throw this.#error;
    const body = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#buffered = 0;
    return body === undefined ? "" : body.toString("utf8");
  }

  /** The body as UTF-8 text, one string per batch of arrived chunks (never split inside a character). */
  async *textChunks(): AsyncGenerator<string> {
    const decoder = new StringDecoder("utf8");
    for (;;) {
      if (this.#chunks.length > 0) {
        const chunks = this.#chunks;
        this.#chunks = [];
        this.#buffered = 0;
        if (this.#controller?.paused === true) this.#controller.resume();
        let text = "";
        for (const c of chunks) text += decoder.write(c);
        if (text !== "") yield text;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) {
        const rest = decoder.end();
        if (rest !== "") yield rest;
        return;
      }
      await this.#wait();
    }
  }

  /**
   * Reads the rest of the body and drops it, so the connection can be reused; a body that does
   * not end within `maxMs` is cut.
   */
  discard(maxMs: number): void {
    if (this.finished) return;
    this.#discarding = true;
    this.#chunks = [];
    this.#buffered = 0;
    if (this.#controller?.paused === true) this.#controller.resume();
    this.#discardTimer = setTimeout(() => {
      this.abort(new CallAbortedError("upstream body did not end after the stream's end event"));
    }, maxMs);
    this.#discardTimer.unref();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #done(): void {
    if (this.#discardTimer !== undefined) clearTimeout(this.#discardTimer);
    this.#notify();
    const f = this.onFinish;
    this.onFinish = undefined;
    f?.();
  }
}
