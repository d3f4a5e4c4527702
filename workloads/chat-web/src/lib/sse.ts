// Incremental parser of a text/event-stream body (the fallback transport): feed it decoded text as
// it arrives, get whole events back. Comments (": ping") are dropped; `id:` is kept for resume.

export interface SseEvent {
  id: string | undefined;
  data: string;
}

export class SseParser {
  #buf = "";
  /** A chunk that ended in "\r" may continue with "\n": decide with the next chunk. */
  #cr = false;

  /** Adds text and returns the events completed by it. */
  push(chunk: string): SseEvent[] {
    let text = this.#cr ? `\r${chunk}` : chunk;
    this.#cr = text.endsWith("\r");
    if (this.#cr) text = text.slice(0, -1);
    this.#buf += text.replace(/\r\n?/g, "\n");
    const out: SseEvent[] = [];
    for (let end = this.#buf.indexOf("\n\n"); end >= 0; end = this.#buf.indexOf("\n\n")) {
      const block = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "id") id = value;
      }
      if (data.length > 0) out.push({ id, data: data.join("\n") });
    }
    return out;
  }
}
