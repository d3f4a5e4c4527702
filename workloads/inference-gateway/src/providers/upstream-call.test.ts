import { test } from "node:test";
import assert from "node:assert/strict";
import { UpstreamCall } from "./upstream-call.ts";
import { fakeController, feed } from "./upstream-call.test-helpers.ts";

void test("text(): the whole body, a character split across chunks intact", async () => {
  const call = new UpstreamCall();
  const c = fakeController(call);
  call.onRequestStart(c);
  call.onResponseStart(c, 201, { "retry-after": "3" });
  await call.started;
  const bytes = Buffer.from('{"x":"héllo"}');
  void feed(call, c, [bytes.subarray(0, 8), bytes.subarray(8)]);
  assert.equal(await call.text(), '{"x":"héllo"}');
  assert.equal(call.statusCode, 201);
  assert.equal(call.headers["retry-after"], "3");
});

void test("textChunks(): decoded per batch; a large backlog pauses the upstream until read", async () => {
  const call = new UpstreamCall();
  const c = fakeController(call);
  call.onRequestStart(c);
  call.onResponseStart(c, 200, {});
  call.onResponseData(c, Buffer.alloc(70 * 1024, "a"));
  assert.equal(c.paused, true, "paused above the high-water mark");
  const it = call.textChunks();
  const first = await it.next();
  assert.equal((first.value as string).length, 70 * 1024);
  assert.equal(c.paused, false, "resumed once the reader took the backlog");
  const euro = Buffer.from("€");
  call.onResponseData(c, euro.subarray(0, 1));
  call.onResponseData(c, euro.subarray(1));
  call.onResponseEnd();
  assert.equal((await it.next()).value, "€");
  assert.equal((await it.next()).done, true);
});

void test("abort before the call started: aborted as soon as it starts; errors reach both readers", async () => {
  const call = new UpstreamCall();
  call.abort(new Error("client went away"));
  const c = fakeController(call);
  call.onRequestStart(c);
  assert.equal(c.aborted, true);
  await assert.rejects(call.started, /client went away/);
  await assert.rejects(call.text(), /client went away/);
  assert.equal(call.finished, true);
});

void test("discard(): drops the rest; a body that does not end in time is cut", async () => {
  const call = new UpstreamCall();
  const c = fakeController(call);
  let finished = 0;
  call.onFinish = () => finished++;
  call.onRequestStart(c);
  call.onResponseStart(c, 200, {});
  call.discard(30);
  call.onResponseData(c, Buffer.from("ignored"));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(c.aborted, true, "cut after 30 ms");
  assert.equal(finished, 1, "onFinish runs once");

  const ends = new UpstreamCall();
  const c2 = fakeController(ends);
  ends.onRequestStart(c2);
  ends.onResponseStart(c2, 200, {});
  ends.discard(30);
  ends.onResponseEnd();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(c2.aborted, false, "a body that ends is not cut");
});
