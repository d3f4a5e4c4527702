/**
 * Writes a Server-Sent Events response with one write per turn of the event loop: the events an
 * upstream read produced (often a whole short answer) leave the gateway in one syscall instead
 * of one each. We coalesce ourselves because corking the response does not help: Node's
 * OutgoingMessage.uncork() (v24) uncorks the socket before it sends the chunks it buffered, so
 * each of them still becomes its own write.
 */
import type { EventEmitter } from "node:events";
import { once } from "node:events";

/** The part of a ServerResponse the sink uses. */
export interface SinkTarget extends EventEmitter {
  write(chunk: string): boolean;
  end(): unknown;
  readonly writableNeedDrain: boolean;
}

/** Coalescing SSE writer over one response. */
export class SseSink {
  readonly #target: SinkTarget;
  #pending = "";
  #scheduled = false;

  constructor(target: SinkTarget) {
    this.#target = target;
  }

  /**
   * Queues `text` for this turn's write. Resolves at once unless the client is behind on a
   * previous write, then after it drained (or rejects when `signal` aborts): a slow client slows
   * the upstream read instead of growing memory.
   */
  async write(text: string, signal: AbortSignal): Promise<void> {
    this.#pending += text;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => {
        this.flush();
      });
    }
    if (this.#target.writableNeedDrain) await once(this.#target, "drain", { signal });
  }

  /** Writes whatever is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#target.write(text);
  }

  /** Writes what is queued and ends the response. */
  end(): void {
    this.flush();
    this.#target.end();
  }
}
