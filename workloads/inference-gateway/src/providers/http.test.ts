import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { Agent } from "undici";
import { UpstreamError, pieceBatches, postJSON } from "./http.ts";
import type { CallContext, StreamPiece } from "./http.ts";
import { UpstreamCall } from "./upstream-call.ts";
import { fakeController, feed } from "./upstream-call.test-helpers.ts";

const ctx = { signal: new AbortController().signal, timedOut: () => false } as CallContext;

/** Test protocol: `data: END` ends the stream, `data: BAD` is a protocol error. */
function read(call: UpstreamCall): AsyncGenerator<StreamPiece[]> {
  return pieceBatches(
    ctx,
    call,
    (ev, out) => {
      if (ev.data === "END") return true;
      if (ev.data === "BAD") throw new UpstreamError("protocol", "bad event");
      out.push({ data: ev.data, forward: true, usage: undefined, textChars: ev.data.length });
      return false;
    },
    () => new UpstreamError("protocol", "no end event"),
  );
}

async function collect(g: AsyncGenerator<StreamPiece[]>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const batch of g) out.push(batch.map((p) => p.data));
  return out;
}

function started(): { call: UpstreamCall; controller: ReturnType<typeof fakeController> } {
  const call = new UpstreamCall();
  const controller = fakeController(call);
  call.onRequestStart(controller);
  call.onResponseStart(controller, 200, {});
  return { call, controller };
}

void test("pieceBatches: one batch per read; after the end event the rest is drained, not cut", async () => {
  const { call, controller } = started();
  const fed = feed(call, controller, [
    "data: a\n\ndata: b\n\n",
    "data: c\n\ndata: END\n\n",
    "trailing",
  ]);
  assert.deepEqual(await collect(read(call)), [["a", "b"], ["c"]]);
  await fed;
  await tick();
  assert.equal(call.finished, true, "the trailing bytes were read to the end");
  assert.equal(controller.aborted, false, "the connection was not cut");
});

void test("pieceBatches: a bad event delivers the pieces before it, then cuts the call and throws", async () => {
  const { call, controller } = started();
  void feed(call, controller, ["data: a\n\ndata: BAD\n\ndata: b\n\n", "data: END\n\n"]);
  const got: string[][] = [];
  await assert.rejects(async () => {
    for await (const batch of read(call)) got.push(batch.map((p) => p.data));
  }, /bad event/);
  assert.deepEqual(got, [["a"]]);
  assert.equal(controller.aborted, true);
});

void test("pieceBatches: a stream that ends without its end event fails", async () => {
  const { call, controller } = started();
  void feed(call, controller, ["data: a\n\n"]);
  await assert.rejects(collect(read(call)), /no end event/);
});

void test("postJSON: a closed connection pool is a retryable connect failure, not a crash", async () => {
  const agent = new Agent();
  await agent.close();
  const closed = {
    ...ctx,
    dispatcher: agent,
    backend: { policy: { firstTokenMs: 1_000 } },
  } as unknown as CallContext;
  const target = { origin: "http://127.0.0.1:9", path: "/v1/chat/completions", headers: {} };
  await assert.rejects(
    postJSON(closed, target, {}),
    (err: unknown) => err instanceof UpstreamError && err.kind === "connect" && err.retryable,
  );
});

void test("postJSON: a traced call sends its span's traceparent and ends the span with the status or error code", async (t) => {
  const { createServer } = await import("node:http");
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    const tp = req.headers["traceparent"];
    seen.push(typeof tp === "string" ? tp : undefined);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const agent = new Agent();
  t.after(async () => {
    await agent.close();
    server.closeAllConnections();
    server.close();
  });
  const ends: [number | undefined, string | undefined][] = [];
  const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const span = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    headers: { traceparent: tp },
    setAttributes: () => undefined,
    end: (status?: number, error?: string) => {
      ends.push([status, error]);
    },
  };
  const base = { ...ctx, dispatcher: agent, backend: { policy: { firstTokenMs: 1_000 } } };
  const traced = { ...base, traceCall: () => span } as unknown as CallContext;
  const port = (server.address() as { port: number }).port;
  const target = { origin: `http://127.0.0.1:${port}`, path: "/v1/x", headers: {} };
  const call = await postJSON(traced, target, {});
  assert.equal(await call.text(), "{}");
  await postJSON(base as unknown as CallContext, target, {}).then((c) => c.text());
  assert.deepEqual(seen, [tp, undefined]);
  assert.deepEqual(ends, [[200, undefined]]);

  const refused = { ...traced, dispatcher: agent } as CallContext;
  const nowhere = { origin: "http://127.0.0.1:9", path: "/v1/x", headers: {} };
  await assert.rejects(postJSON(refused, nowhere, {}));
  assert.deepEqual(ends[1], [undefined, "ECONNREFUSED"]);
});
