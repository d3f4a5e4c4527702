/**
 * Incremental Server-Sent Events parser (enough of the spec for LLM APIs: `event:` and `data:`
 * fields, multi-line data, comments ignored).
 */

/** One SSE event. */
export interface SSEEvent {
  event: string | undefined;
  data: string;
}

/**
 * Feeds text chunks, returns complete events. Line endings are normalised to `\n` as text
 * arrives (a `\r` at the end of a chunk waits for the next one, which may start with its `\n`),
 * so blocks split on one `indexOf`; the usual block, a single `data: ` line, needs no line split.
 */
export class SSEParser {
  #buf = "";
  #heldCR = false;

  /** Adds a chunk and returns the events it completed. */
  push(chunk: string): SSEEvent[] {
    let text = chunk;
    if (this.#heldCR) {
      text = `\r${text}`;
      this.#heldCR = false;
    }
    if (text.includes("\r")) {
      if (text.endsWith("\r")) {
        this.#heldCR = true;
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, "\n");
    }
    const buf = this.#buf === "" ? text : this.#buf + text;
    const out: SSEEvent[] = [];
    let pos = 0;
    for (;;) {
      const end = buf.indexOf("\n\n", pos);
      if (end < 0) break;
      const ev = parseBlock(buf.slice(pos, end));
      if (ev !== undefined) out.push(ev);
      pos = end + 2;
    }
    this.#buf = pos === 0 ? buf : buf.slice(pos);
    return out;
  }

  /** Whatever incomplete text remains (non-empty means the stream was cut mid-event). */
  rest(): string {
    return this.#heldCR ? `${this.#buf}\r` : this.#buf;
  }
}

function parseBlock(block: string): SSEEvent | undefined {
  if (block.startsWith("data: ") && !block.includes("\n", 6))
    return { event: undefined, data: block.slice(6) };
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
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
