/**
 * Incremental Server-Sent Events parser (enough of the spec for LLM APIs: `event:` and `data:`
 * fields, multi-line data, comments ignored).
 */

/** One SSE event. */
export interface SSEEvent {
  event: string | undefined;
  data: string;
}

/** Feeds text chunks, returns complete events. */
export class SSEParser {
  #buf = "";

  /** Adds a chunk and returns the events it completed. */
  push(chunk: string): SSEEvent[] {
    this.#buf += chunk;
    const out: SSEEvent[] = [];
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.#buf);
      if (m === null) break;
      const block = this.#buf.slice(0, m.index);
      this.#buf = this.#buf.slice(m.index + m[0].length);
      const ev = parseBlock(block);
      if (ev !== undefined) out.push(ev);
    }
    return out;
  }

  /** Whatever incomplete text remains (non-empty means the stream was cut mid-event). */
  rest(): string {
    return this.#buf;
  }
}

function parseBlock(block: string): SSEEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 && event === undefined) return undefined;
  return { event, data: data.join("\n") };
}
