/**
 * Tests of wsTextFrame against a real `ws` client: the pre-framed bytes decode as text frames.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { wsTextFrame } from "./ws-frame.ts";

void test("wsTextFrame: header per payload length class", () => {
  assert.deepEqual([...wsTextFrame("hi")], [0x81, 2, 0x68, 0x69]);
  const mid = wsTextFrame("é".repeat(100)); // 200 bytes of UTF-8
  assert.deepEqual([...mid.subarray(0, 4)], [0x81, 126, 0, 200]);
  assert.equal(mid.length, 4 + 200);
  const big = wsTextFrame("x".repeat(70_000));
  assert.deepEqual([...big.subarray(0, 10)], [0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]);
  assert.equal(big.length, 10 + 70_000);
});

void test("wsTextFrame: bytes written to the raw socket arrive as text messages, in order with ws.send", async (t) => {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http = createServer();
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send("first");
      for (const text of ["short", "ü".repeat(1000), "y".repeat(70_000)])
        socket.write(wsTextFrame(text));
      ws.send("last");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  t.after(() => {
    wss.close();
    http.close();
  });
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  const got = await new Promise<{ text: string; binary: boolean }[]>((resolve, reject) => {
    const out: { text: string; binary: boolean }[] = [];
    client.on("error", reject);
    client.on("message", (data, isBinary) => {
      out.push({ text: (data as Buffer).toString(), binary: isBinary });
      if (out.length === 5) resolve(out);
    });
  });
  client.close();
  assert.deepEqual(
    got.map((m) => m.text),
    ["first", "short", "ü".repeat(1000), "y".repeat(70_000), "last"],
  );
  assert.ok(got.every((m) => !m.binary));
});
