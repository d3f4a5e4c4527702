// Tests of the logger: bounded stdout buffer, given destinations, and the one err serializer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { symbols } from "pino";
import { LOG_BUFFER_MAX_BYTES, createLogger, serializeError } from "./logger.ts";

void describe("createLogger", () => {
  void it("writes to stdout through a bounded buffer by default", () => {
    const log = createLogger({ level: "silent" });
    const stream = (log as unknown as Record<symbol, { maxLength?: number; fd?: number }>)[
      symbols.streamSym
    ];
    assert.equal(stream?.maxLength, LOG_BUFFER_MAX_BYTES);
    assert.equal(stream.fd, 1);
  });

  void it("uses a given destination as is", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      name: "t",
      destination: {
        write: (s: string) => {
          lines.push(s);
        },
      },
    });
    log.info({ a: 1 }, "hello");
    const rec = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    assert.equal(rec["msg"], "hello");
    assert.equal(rec["logger"], "t");
  });
});

void describe("the err serializer", () => {
  const lineOf = (fn: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown> => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      destination: {
        write: (s: string) => {
          lines.push(s);
        },
      },
    });
    fn(log.child({ controller: "x" }));
    return JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
  };

  void it("renders an Error with its cause chain and API status code, without a stack", () => {
    const cause = Object.assign(new Error("conflict"), { code: 409 });
    const rec = lineOf((log) => {
      log.error({ err: new Error("applying children", { cause }) }, "Reconciler error");
    });
    assert.deepEqual(rec["err"], { type: "Error", message: "applying children: conflict" });
    const api = lineOf((log) => {
      log.error({ err: cause }, "x");
    });
    assert.deepEqual(api["err"], { type: "Error", message: "conflict", code: 409 });
  });

  void it("renders thrown non-errors too", () => {
    assert.deepEqual(serializeError("boom"), { type: "string", message: "boom" });
    assert.deepEqual(serializeError({ reason: "x" }), {
      type: "object",
      message: '{"reason":"x"}',
    });
  });
});
