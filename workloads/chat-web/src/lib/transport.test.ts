// Tests for the transport helpers: reconnect backoff bounds and the SSE parser across chunk splits.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { reconnectDelayMs } from "./backoff.ts";
import { SseParser } from "./sse.ts";

test("backoff grows, is jittered within [cap/2, cap] and is capped", () => {
  const opts = { baseMs: 100, maxMs: 1_000 };
  const cases: [number, number, number][] = [
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [3, 1, 400],
    [5, 1, 1_000],
    [50, 0.5, 750],
    [0, 1, 100],
  ];
  for (const [attempt, r, want] of cases)
    assert.equal(
      reconnectDelayMs(attempt, () => r, opts),
      want,
      `attempt ${attempt} r ${r}`,
    );
});

test("SSE parser joins chunks, keeps ids, drops comments, handles CRLF split across chunks", () => {
  const p = new SseParser();
  assert.deepEqual(p.push(": ping\n\nid: 7\nda"), []);
  assert.deepEqual(p.push('ta: {"a":1}\r'), []);
  assert.deepEqual(p.push("\n\r\ndata: x\ndata: y\n\n"), [
    { id: "7", data: '{"a":1}' },
    { id: undefined, data: "x\ny" },
  ]);
  assert.deepEqual(p.push("data: a\r"), []);
  assert.deepEqual(
    p.push("\ndata: b\r\n\r\n"),
    [{ id: undefined, data: "a\nb" }],
    "a CRLF split between chunks is one line end",
  );
});
