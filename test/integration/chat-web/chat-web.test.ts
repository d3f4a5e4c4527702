// Browser tests of the web client against the real stack (Keycloak's real login page, two
// chat-gateway replicas, PostgreSQL, Redis, the inference gateway before the test upstream),
// driven in Debian's Chromium. The screenshots of the main screens in docs/screenshots/ (shown
// by the README) are written here.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { expectedReply } from "../chat-gateway/helpers/upstream.ts";
import {
  bodies,
  lastReplyDone,
  REPO,
  sendMessage,
  shot,
  SHOT_VIEWPORT,
  signIn,
  startStack,
  waitOnline,
} from "./harness.ts";

test("web client against the real stack", { timeout: 600_000 }, async (t) => {
  const s = await startStack(t, { tokensPerSecond: 8, replyLeaseMs: 3_000 });
  const user = s.users[0]!;
  const ctx = await s.browser.newContext({ viewport: SHOT_VIEWPORT });
  t.after(() => ctx.close());
  const page = await signIn(ctx, s.urls[0]!, user);

  await t.test("sign in, send, watch the reply stream and complete", async () => {
    await sendMessage(page, "hello from the browser");
    const reply = page.locator('[data-testid="message-assistant"]').last();
    await reply.and(page.locator('[data-status="streaming"]')).waitFor({ timeout: 20_000 });
    const partial = (await reply.locator('[data-testid="message-body"]').innerText()).trim();
    assert.ok(
      partial.length < expectedReply("hello from the browser").length,
      `streamed text grows (saw "${partial}")`,
    );
    assert.equal(await lastReplyDone(page), expectedReply("hello from the browser"));
    assert.deepEqual(await bodies(page, "user"), ["hello from the browser"]);
    await page.getByRole("link", { name: "hello from the browser" }).waitFor();
    await shot(page, "conversation");
  });

  await t.test("edit a message and navigate between the branches", async () => {
    await page.getByRole("button", { name: "Edit" }).first().click();
    const box = page.getByLabel("Edit message");
    const focused = await box.evaluate(
      (el) =>
        el ===
        (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument
          .activeElement,
    );
    assert.equal(focused, true, "focus moves into the edit box");
    await box.fill("hello again, edited");
    await page.getByRole("button", { name: "Save and submit" }).click();
    // The previous branch's reply is already complete: wait for the edited message's own reply.
    await page
      .locator(
        '[data-testid="message-assistant"][data-status="complete"] [data-testid="message-body"]',
      )
      .filter({ hasText: expectedReply("hello again, edited") })
      .waitFor({ timeout: 30_000 });
    assert.equal(await lastReplyDone(page), expectedReply("hello again, edited"));
    assert.deepEqual(await bodies(page, "user"), ["hello again, edited"]);
    await page.getByTestId("sibling-position").first().filter({ hasText: "2 / 2" }).waitFor();
    await shot(page, "branches");
    await page.getByRole("button", { name: "Previous version" }).first().click();
    await page.getByTestId("sibling-position").first().filter({ hasText: "1 / 2" }).waitFor();
    assert.deepEqual(await bodies(page, "user"), ["hello from the browser"]);
    assert.deepEqual(await bodies(page, "assistant"), [expectedReply("hello from the browser")]);
    await page.getByRole("button", { name: "Next version" }).first().click();
    assert.deepEqual(await bodies(page, "user"), ["hello again, edited"]);
  });

  await t.test("reload the page and find the conversation", async () => {
    await page.reload();
    await waitOnline(page);
    await page.getByRole("button", { name: "New conversation" }).click();
    assert.deepEqual(await bodies(page, "user"), []);
    await page.getByRole("link", { name: "hello from the browser" }).click();
    await page.locator('[data-testid="message-user"]').first().waitFor();
    assert.deepEqual(await bodies(page, "user"), ["hello again, edited"]);
  });

  await t.test("search highlights the hit and opens the conversation at the message", async () => {
    const needle = expectedReply("hello from the browser").split(" ")[2]!;
    await page.getByLabel("Search messages").fill(needle);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const hit = page.getByTestId("search-hit").first();
    await hit.waitFor();
    assert.equal(
      (await hit.locator("mark").first().innerText()).toLowerCase(),
      needle.toLowerCase(),
    );
    await shot(page, "search");
    await hit.click();
    await page.locator(".msg.focus").waitFor();
  });

  await t.test("a second tab of the same user sees presence and typing", async () => {
    // A new tab has no tokens of its own (sessionStorage is per tab): it signs in silently against
    // the browser's Keycloak session, without showing the login form, and opens the same
    // conversation from the URL.
    const other = await ctx.newPage();
    const authRequests: URL[] = [];
    other.on("request", (r) => {
      if (r.url().includes("/protocol/openid-connect/auth")) authRequests.push(new URL(r.url()));
    });
    await other.goto(page.url());
    await waitOnline(other);
    assert.ok(authRequests.length > 0, "the new tab asked the realm");
    assert.deepEqual(
      authRequests.map((u) => u.searchParams.get("prompt")),
      authRequests.map(() => "none"),
      "only silent requests: the login form never showed",
    );
    assert.equal(await other.locator("#kc-login").count(), 0);
    for (const p of [page, other])
      assert.equal(
        await p.evaluate(
          () => (globalThis as unknown as { localStorage: { length: number } }).localStorage.length,
        ),
        0,
        "no tokens (nor anything else) in localStorage",
      );
    await other.locator('[data-testid="message-user"]').first().waitFor();
    await page
      .getByTestId("presence")
      .filter({ hasText: "2 connected here" })
      .waitFor({ timeout: 10_000 });
    await other.getByLabel("Message", { exact: true }).pressSequentially("typing…", { delay: 20 });
    await page.getByTestId("presence").filter({ hasText: "typing" }).waitFor({ timeout: 10_000 });
    await other.close();
  });

  await t.test("hostile Markdown in a reply renders inert", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    const hostile =
      'echo: <img src=x onerror="window.__pwned=1"> [x](javascript:window.__pwned=2) **<script>window.__pwned=3</script>**';
    await sendMessage(page, hostile);
    const text = await lastReplyDone(page);
    assert.match(text, /<img src=x onerror=/, "markup shows as text");
    const reply = page.locator('[data-testid="message-assistant"]').last();
    assert.equal(await reply.locator("img, script, a[href^='javascript']").count(), 0);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
      undefined,
    );
  });

  await t.test("accessibility: axe-core finds no serious or critical violations", async () => {
    // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
    await page.evaluate(readFileSync(join(REPO, "node_modules", "axe-core", "axe.min.js"), "utf8"));
    const result = await page.evaluate(async () => {
      const g = globalThis as unknown as {
        document: unknown;
        axe: {
          run: (
            ctx: unknown,
          ) => Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }>;
        };
      };
      return (await g.axe.run(g.document)).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
      }));
    });
    const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious, [], JSON.stringify(result));
  });
});
