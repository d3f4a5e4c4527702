import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { setImmediate as tick } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { UpstreamError, pieceBatches } from "./http.ts";
import type { CallContext, StreamPiece } from "./http.ts";

/** A response whose body yields `chunks` one read each (a Readable, as undici's body is). */
function response(chunks: string[]): { res: Dispatcher.ResponseData; body: Readable } {
  const body = Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
  return { res: { statusCode: 200, body } as unknown as Dispatcher.ResponseData, body };
}

const ctx = { signal: new AbortController().signal, timedOut: () => false } as CallContext;

/** Test protocol: `data: END` ends the stream, `data: BAD` is a protocol error. */
function read(res: Dispatcher.ResponseData): AsyncGenerator<StreamPiece[]> {
  return pieceBatches(
    ctx,
    res,
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

void test("pieceBatches: one batch per read; after the end event the rest is drained, not destroyed", async () => {
  const { res, body } = response(["data: a\n\ndata: b\n\n", "data: c\n\ndata: END\n\n", "trailing"]);
  assert.deepEqual(await collect(read(res)), [["a", "b"], ["c"]]);
  await tick();
  await tick();
  assert.equal(body.readableEnded, true, "the trailing bytes were read to the end");
});

void test("pieceBatches: a bad event delivers the pieces before it, then cuts the body and throws", async () => {
  const { res, body } = response(["data: a\n\ndata: BAD\n\ndata: b\n\n", "data: END\n\n"]);
  const got: string[][] = [];
  await assert.rejects(async () => {
    for await (const batch of read(res)) got.push(batch.map((p) => p.data));
  }, /bad event/);
  assert.deepEqual(got, [["a"]]);
  assert.equal(body.destroyed, true);
});

void test("pieceBatches: a stream that ends without its end event fails", async () => {
  const { res } = response(["data: a\n\n"]);
  await assert.rejects(collect(read(res)), /no end event/);
});
