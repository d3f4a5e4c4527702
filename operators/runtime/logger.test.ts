import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { symbols } from "pino";
import { LOG_BUFFER_MAX_BYTES, createLogger } from "./logger.ts";

void describe("createLogger", () => {
  void it("writes to stdout through a bounded buffer by default", () => {
    const log = createLogger({ level: "silent" });
    const stream = (log as unknown as Record<symbol, { maxLength?: number; fd?: number }>)[symbols.streamSym];
    assert.equal(stream?.maxLength, LOG_BUFFER_MAX_BYTES);
    assert.equal(stream.fd, 1);
  });

  void it("uses a given destination as is", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", name: "t", destination: { write: (s: string) => { lines.push(s); } } });
    log.info({ a: 1 }, "hello");
    const rec = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    assert.equal(rec["msg"], "hello");
    assert.equal(rec["logger"], "t");
  });
});
