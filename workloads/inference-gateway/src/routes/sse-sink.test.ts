import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { setImmediate as tick } from "node:timers/promises";
import { SseSink } from "./sse-sink.ts";
import type { SinkTarget } from "./sse-sink.ts";

/** A response stand-in that records writes and lets the test decide when it is full. */
class Recorder extends EventEmitter implements SinkTarget {
  writes: string[] = [];
  ended = false;
  full = false;
  get writableNeedDrain(): boolean {
    return this.full;
  }
  write(chunk: string): boolean {
    this.writes.push(chunk);
    return !this.full;
  }
  end(): void {
    this.ended = true;
  }
}

const open = new AbortController().signal;

void test("events queued in the same turn leave in one write, in order", async () => {
  const r = new Recorder();
  const sink = new SseSink(r);
  await sink.write("data: 1\n\n", open);
  await sink.write("data: 2\n\n", open);
  assert.deepEqual(r.writes, [], "nothing written before the turn ends");
  await tick();
  await sink.write("data: 3\n\n", open);
  sink.end();
  assert.deepEqual(r.writes, ["data: 1\n\ndata: 2\n\n", "data: 3\n\n"]);
  assert.equal(r.ended, true);
});

void test("a client that is behind holds the writer until it drains", async () => {
  const r = new Recorder();
  const sink = new SseSink(r);
  r.full = true;
  let resolved = false;
  const p = sink.write("data: x\n\n", open).then(() => (resolved = true));
  await tick();
  assert.equal(resolved, false, "waits for drain");
  assert.deepEqual(r.writes, ["data: x\n\n"], "the queued text was still handed over");
  r.full = false;
  r.emit("drain");
  await p;
  assert.equal(resolved, true);
});

void test("a client going away while the writer waits rejects the write", async () => {
  const r = new Recorder();
  r.full = true;
  const sink = new SseSink(r);
  const ac = new AbortController();
  const p = sink.write("data: x\n\n", ac.signal);
  ac.abort(new Error("client went away"));
  await assert.rejects(p, /client went away|aborted/);
});

void test("end() with nothing queued only ends", () => {
  const r = new Recorder();
  new SseSink(r).end();
  assert.deepEqual(r.writes, []);
  assert.equal(r.ended, true);
});
