// What a user sees when the network or a replica fails: the page connected to a replica that is
// killed mid-reply reconnects to the other and shows every message exactly once; with WebSockets
// blocked it falls back to SSE + POST and still chats; a replica that drains (SIGTERM) sends a
// `reconnect` frame and the page goes straight to the other one. Real stack, Debian's Chromium.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { expectedReply } from "../chat-gateway/helpers/upstream.ts";
import {
  bodies,
  lastReplyDone,
  replyDone,
  sendMessage,
  shot,
  SHOT_VIEWPORT,
  signIn,
  startStack,
  waitOnline,
} from "./harness.ts";

test("web client resilience", { timeout: 600_000 }, async (t) => {
  const s = await startStack(t, { tokensPerSecond: 4, replyLeaseMs: 2_000 });
  const user = s.users[0]!;

  await t.test(
    "the replica dies mid-reply: the page moves to the other and shows each message once",
    async () => {
      const ctx = await s.browser.newContext({ viewport: SHOT_VIEWPORT });
      t.after(() => ctx.close());
      const page = await signIn(ctx, s.urls[0]!, user);
      const status = page.getByTestId("link-status");
      assert.match(await status.innerText(), /web-0/);
      await sendMessage(page, "first message");
      assert.equal(await lastReplyDone(page), expectedReply("first message"));
      await sendMessage(page, "second message");
      await page
        .locator('[data-testid="message-assistant"][data-status="streaming"]')
        .waitFor({ timeout: 20_000 });
      const tickets: string[] = [];
      page.on("request", (r) => {
        if (r.url().endsWith("/v1/tickets")) tickets.push(new URL(r.url()).origin);
      });
      await s.replicas[0]!.kill("SIGKILL");
      await page
        .locator('[data-testid="link-status"][data-state="online"]')
        .filter({ hasText: "web-1" })
        .waitFor({ timeout: 30_000 });
      // Without a reconnect frame the page cannot tell a dead replica from a blip: it tries the
      // same one again first (the drain test below shows the difference).
      assert.equal(tickets[0], s.urls[0], "retried web-0 first");
      assert.equal(tickets.at(-1), s.urls[1], "then web-1");
      // The interrupted reply is marked incomplete by the surviving replica (lease expiry) and offered for retry.
      await page.getByTestId("incomplete").waitFor({ timeout: 30_000 });
      await shot(page, "incomplete");
      const users = await page
        .locator('[data-testid="message-user"] [data-testid="message-body"]')
        .allInnerTexts();
      assert.deepEqual(
        users.map((x) => x.trim()),
        ["first message", "second message"],
      );
      assert.equal(await page.locator('[data-testid="message-assistant"]').count(), 2);
      await page.getByRole("button", { name: "Retry" }).click();
      await page
        .locator('[data-testid="message-assistant"][data-status="complete"]')
        .nth(1)
        .waitFor({ timeout: 30_000 });
      assert.equal(await lastReplyDone(page), expectedReply("second message"));
      await page.getByTestId("sibling-position").filter({ hasText: "2 / 2" }).waitFor();
      await s.restart(0);
    },
  );

  await t.test("WebSockets blocked: SSE + POST fallback", async () => {
    const ctx = await s.browser.newContext();
    t.after(() => ctx.close());
    // Every WebSocket the page opens is answered by Playwright and closed at once, as a proxy that blocks them would.
    await ctx.routeWebSocket(/\/v1\/ws/, (ws) => {
      void ws.close({ code: 1006, reason: "blocked" });
    });
    // The page comes from web-1 and its first endpoint is web-0: the stream and the posts cross
    // origins (CORS, also on the stream's hijacked response).
    const page = await signIn(ctx, s.urls[1]!, user);
    const streams: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/v1/stream") || r.url().includes("/v1/frames"))
        streams.push(new URL(r.url()).origin);
    });
    await page
      .locator('[data-testid="link-status"][data-transport="sse"][data-state="online"]')
      .waitFor({ timeout: 30_000 });
    await sendMessage(page, "over sse");
    assert.equal(await lastReplyDone(page), expectedReply("over sse"));
    const users = await page
      .locator('[data-testid="message-user"] [data-testid="message-body"]')
      .allInnerTexts();
    assert.deepEqual(
      users.map((x) => x.trim()),
      ["over sse"],
    );
    assert.ok(streams.length >= 2, "a stream and a post");
    assert.deepEqual(new Set(streams), new Set([s.urls[0]!]), "to the other replica's origin");
    await waitOnline(page);
  });

  await t.test(
    "the replica drains (SIGTERM): the page follows its reconnect frame to the other at once",
    async () => {
      const ctx = await s.browser.newContext();
      t.after(() => ctx.close());
      const frames: { type: string; at: number }[] = [];
      ctx.on("page", (p) => {
        p.on("websocket", (ws) => {
          ws.on("framereceived", (f) => {
            if (typeof f.payload === "string")
              frames.push({
                type: String((JSON.parse(f.payload) as { type?: unknown }).type),
                at: Date.now(),
              });
          });
        });
      });
      const page = await signIn(ctx, s.urls[0]!, user);
      assert.match(await page.getByTestId("link-status").innerText(), /web-0/);
      await sendMessage(page, "before the drain");
      assert.equal(await lastReplyDone(page), expectedReply("before the drain"));
      const tickets: { origin: string; at: number }[] = [];
      page.on("request", (r) => {
        if (r.url().endsWith("/v1/tickets"))
          tickets.push({ origin: new URL(r.url()).origin, at: Date.now() });
      });

      const killed = Date.now();
      const exited = s.replicas[0]!.kill("SIGTERM");
      await page
        .locator('[data-testid="link-status"][data-state="online"]')
        .filter({ hasText: "web-1" })
        .waitFor({ timeout: 30_000 });
      const movedMs = Date.now() - killed;
      assert.equal(await exited, 0, "web-0 drained and exited cleanly");
      const reconnect = frames.find((f) => f.type === "reconnect");
      assert.ok(reconnect !== undefined, "the page received the reconnect frame");
      // Following the frame means no attempt at the draining replica (a killed one is tried again
      // first, see above) and no backoff beyond the first step (125–250 ms).
      assert.deepEqual(
        tickets.map((x) => x.origin),
        [s.urls[1]!],
        "one ticket, from web-1",
      );
      assert.ok(
        tickets[0]!.at - reconnect.at < 1_500,
        `moved within ${tickets[0]!.at - reconnect.at} ms`,
      );
      assert.ok(movedMs < 5_000, `online on web-1 ${movedMs} ms after SIGTERM`);
      t.diagnostic(
        `reconnect frame to ticket at web-1: ${tickets[0]!.at - reconnect.at} ms; SIGTERM to online: ${movedMs} ms`,
      );

      assert.deepEqual(await bodies(page, "user"), ["before the drain"]);
      assert.deepEqual(await bodies(page, "assistant"), [expectedReply("before the drain")]);
      await sendMessage(page, "after the drain");
      assert.equal(await replyDone(page, 1), expectedReply("after the drain"));
      assert.deepEqual(await bodies(page, "user"), ["before the drain", "after the drain"]);
      assert.deepEqual(await bodies(page, "assistant"), [
        expectedReply("before the drain"),
        expectedReply("after the drain"),
      ]);
      assert.equal(await page.getByRole("alert").count(), 0);
      await s.restart(0);
    },
  );
});
