/**
 * Tests of the OpenAI-compatible client: SSE chat deltas and embeddings from a local server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSseChunk } from "./client.ts";
import { branchHistory } from "./replies.ts";
import { fold } from "../domain/conversation.ts";
import { jsonbKeyOrder } from "../store/event-store.ts";

void test("parseSseChunk splits complete events and keeps the rest", () => {
  const r = parseSseChunk('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b"');
  assert.deepEqual(r.events, ['{"a":1}', "[DONE]"]);
  assert.equal(r.rest, 'data: {"b"');
  assert.deepEqual(parseSseChunk(": comment\r\n\r\n").events, []);
});

void test("branchHistory follows parents from the leaf to the root", () => {
  const s = fold([
    { type: "conversation.started", data: { title: "t" } },
    {
      type: "message.added",
      data: { messageId: "u1", parentId: null, role: "user", content: "q1" },
    },
    {
      type: "reply.started",
      data: {
        messageId: "a1",
        parentId: "u1",
        role: "assistant",
        model: "m",
        regenerateOf: null,
        replica: "r",
      },
    },
    { type: "reply.completed", data: { messageId: "a1", content: "r1", finishReason: "stop" } },
    {
      type: "message.added",
      data: { messageId: "u2", parentId: "a1", role: "user", content: "q2" },
    },
    {
      type: "message.edited",
      data: { messageId: "u3", editOf: "u2", parentId: "a1", role: "user", content: "q2'" },
    },
  ]);
  assert.deepEqual(branchHistory(s, "u3"), [
    { role: "user", content: "q1" },
    { role: "assistant", content: "r1" },
    { role: "user", content: "q2'" },
  ]);
  assert.equal(branchHistory(s, "u3", 2).length, 2);
});

void test("jsonbKeyOrder orders keys like PostgreSQL's jsonb (length, then bytes)", () => {
  assert.deepEqual(Object.keys(jsonbKeyOrder({ messageId: 1, parentId: 2, role: 3, content: 4 })), [
    "role",
    "content",
    "parentId",
    "messageId",
  ]);
});

void test("streamChat aborts an upstream that stalls between chunks, and streams a steady one", async (t) => {
  const { createServer } = await import("node:http");
  const { streamChat } = await import("./client.ts");
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    if (req.url?.includes("steady") === true) {
      // Chunks every 50 ms for longer than the stall timeout in total.
      let n = 0;
      const iv = setInterval(() => {
        res.write('data: {"choices":[{"delta":{"content":"b"}}]}\n\n');
        if (++n === 25) {
          clearInterval(iv);
          res.end("data: [DONE]\n\n");
        }
      }, 50);
    }
    // otherwise: silence, the connection stays open
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const run = async (path: string): Promise<string> => {
    let text = "";
    const o = {
      baseUrl: `http://127.0.0.1:${port}/${path}/`,
      apiKey: undefined,
      stallTimeoutMs: 1000,
    };
    for await (const d of streamChat(o, "m", [], new AbortController().signal)) text += d;
    return text;
  };
  assert.equal(await run("steady"), `a${"b".repeat(25)}`);
  const t0 = Date.now();
  await assert.rejects(run("stall"), /stalled for 1000 ms/);
  assert.ok(Date.now() - t0 < 4_000);
});

void test("streamChat sends a traced reply's traceparent and records the status; untraced sends none", async (t) => {
  const { createServer } = await import("node:http");
  const { streamChat } = await import("./client.ts");
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    const tp = req.headers["traceparent"];
    seen.push(typeof tp === "string" ? tp : undefined);
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const o = { baseUrl: `http://127.0.0.1:${port}/`, apiKey: "sk-secret" };
  const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const recorded: Record<string, unknown>[] = [];
  const span = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    headers: { traceparent: tp },
    setAttributes: (a: Record<string, unknown>) => {
      recorded.push(a);
    },
    end: () => undefined,
  };
  const drain = async (s?: typeof span): Promise<string> => {
    let text = "";
    for await (const d of streamChat(o, "m", [], new AbortController().signal, s)) text += d;
    return text;
  };
  assert.equal(await drain(span), "a");
  assert.equal(await drain(), "a");
  assert.deepEqual(seen, [tp, undefined]);
  // The span gets the status only: no key, no content.
  assert.deepEqual(recorded, [{ "http.response.status_code": 200 }]);
});
