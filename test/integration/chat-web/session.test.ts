// The web client's session over time, in Debian's Chromium against the real stack: with 20-second
// access tokens the page refreshes them (refresh_token grant) and keeps the conversation, even a
// reply streaming at that moment, across the gateway closing the socket whose token expired;
// "Sign out" ends the Keycloak session (RP-initiated logout), so the tab's tokens are gone, the
// realm refuses the old refresh token and a new tab is no longer signed in silently.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { BrowserContext, Page, Request } from "playwright-core";
import { issuerUrl } from "../../helpers/keycloak.ts";
import { expectedReply } from "../chat-gateway/helpers/upstream.ts";
import { bodies, replyDone, sendMessage, signIn, startStack, waitOnline } from "./harness.ts";

/** Short enough to cross an expiry in a test, long enough for the page's refresh margin (5 s). */
const LIFESPAN_S = 20;
const TOKENS_KEY = "chat.oidc.tokens";

interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
}

async function storage(page: Page, kind: "sessionStorage" | "localStorage"): Promise<string[]> {
  return page.evaluate((k) => {
    const s = (globalThis as unknown as Record<string, { length: number; key(i: number): string }>)[
      k
    ]!;
    return Array.from({ length: s.length }, (_, i) => s.key(i));
  }, kind);
}

async function storedTokens(page: Page): Promise<StoredTokens | undefined> {
  const raw = await page.evaluate(
    (k) =>
      (
        globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
      ).sessionStorage.getItem(k),
    TOKENS_KEY,
  );
  return raw === null ? undefined : (JSON.parse(raw) as StoredTokens);
}

/** The `exp` of a JWT in epoch ms: what the gateway enforces. */
function jwtExpiry(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as {
    exp: number;
  };
  return payload.exp * 1000;
}

/** The grant types posted to the realm's token endpoint from pages of `ctx`, with their answers. */
function watchGrants(ctx: BrowserContext): { grant: string; status: number }[] {
  const grants: { grant: string; status: number }[] = [];
  ctx.on("requestfinished", (r: Request) => {
    if (!r.url().endsWith("/protocol/openid-connect/token")) return;
    const grant = new URLSearchParams(r.postData() ?? "").get("grant_type") ?? "";
    void r.response().then((res) => grants.push({ grant, status: res?.status() ?? 0 }));
  });
  return grants;
}

/** Server frames of `type` (and `code`, for errors) received by the WebSockets of `ctx`'s pages. */
function watchFrames(ctx: BrowserContext): string[] {
  const seen: string[] = [];
  ctx.on("page", (p) => {
    p.on("websocket", (ws) => {
      ws.on("framereceived", (f) => {
        if (typeof f.payload !== "string") return;
        const frame = JSON.parse(f.payload) as { type?: string; code?: string };
        seen.push(frame.code === undefined ? String(frame.type) : `${frame.type}:${frame.code}`);
      });
    });
  });
  return seen;
}

/** POSTs a refresh_token grant to the realm directly (not from the page); the HTTP status. */
async function refreshStatus(realm: string, refreshToken: string): Promise<number> {
  const res = await fetch(`${issuerUrl(realm)}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "chat-web",
    }).toString(),
  });
  await res.body?.cancel();
  return res.status;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("web client session: token refresh and sign-out", { timeout: 600_000 }, async (t) => {
  const s = await startStack(t, {
    tokensPerSecond: 4,
    accessTokenLifespan: LIFESPAN_S,
    // The gateways check token expiry on their sweep: once a second, so the socket of an expired
    // token is closed within a second of its expiry (their default, 15 s, would stretch the test).
    heartbeatMs: 1_000,
  });
  const user = s.users[0]!;

  await t.test(
    "the access token expires mid-reply: refreshed, reconnected, and nothing is lost",
    async () => {
      const ctx = await s.browser.newContext();
      t.after(() => ctx.close());
      const grants = watchGrants(ctx);
      const frames = watchFrames(ctx);
      const page = await signIn(ctx, s.urls[0]!, user);
      const first = await storedTokens(page);
      assert.ok(first !== undefined, "signed in: tokens in sessionStorage");
      const firstExpiry = jwtExpiry(first.accessToken);
      assert.ok(
        firstExpiry - Date.now() <= LIFESPAN_S * 1000,
        "the realm's short lifespan applies",
      );

      await sendMessage(page, "before the refresh");
      assert.equal(await replyDone(page, 0), expectedReply("before the refresh"));

      // The page refreshes a fifth of the lifetime (at least 5 s) before expiry, by itself.
      await until(
        () => grants.some((g) => g.grant === "refresh_token"),
        (LIFESPAN_S + 10) * 1000,
        "a refresh_token grant from the page",
      );
      assert.ok(Date.now() < firstExpiry, "the refresh came before the token expired");

      // A reply that streams while the gateway closes the socket of the expired first token (its
      // sweep runs every second): sent 1.5 s before the expiry, it streams for about 4 s.
      await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry - 1_500 - Date.now())));
      const sent = frames.length;
      await sendMessage(page, "across the expiry");
      await until(
        () => frames.includes("error:CG_ERR_TOKEN_EXPIRED"),
        Math.max(0, firstExpiry - Date.now()) + 10_000,
        "the gateway to close the socket of the expired token",
      );
      const welcomes = (): number => frames.filter((f) => f === "welcome").length;
      await until(() => welcomes() >= 2, 10_000, "the page to reconnect");
      assert.equal(await replyDone(page, 1), expectedReply("across the expiry"));
      const cut = frames.indexOf("error:CG_ERR_TOKEN_EXPIRED");
      assert.ok(frames.slice(sent, cut).includes("delta"), "the reply streamed before the close");
      assert.ok(frames.slice(cut).includes("delta"), "and after the reconnect");
      await waitOnline(page);
      assert.ok(Date.now() > firstExpiry, "past the first token's expiry");
      // A routine expiry that the page handles by itself is not an error to show the user.
      assert.equal(await page.getByRole("alert").count(), 0, "no error notice after the expiry");
      await sendMessage(page, "after the expiry");
      await page
        .locator('[data-testid="message-assistant"][data-status="streaming"]')
        .waitFor({ timeout: 20_000 });
      assert.equal(await replyDone(page, 2), expectedReply("after the expiry"));

      assert.deepEqual(await bodies(page, "user"), [
        "before the refresh",
        "across the expiry",
        "after the expiry",
      ]);
      assert.deepEqual(await bodies(page, "assistant"), [
        expectedReply("before the refresh"),
        expectedReply("across the expiry"),
        expectedReply("after the expiry"),
      ]);
      assert.equal(
        await page.locator('[data-testid="message-assistant"][data-status="incomplete"]').count(),
        0,
      );
      assert.equal(await page.getByRole("alert").count(), 0, "no error notice");
      assert.ok(
        grants.filter((g) => g.grant === "refresh_token").every((g) => g.status === 200),
        JSON.stringify(grants),
      );
      const now = await storedTokens(page);
      assert.ok(now !== undefined && jwtExpiry(now.accessToken) > firstExpiry, "a newer token");
      // One reconnect per expired token (a second expiry may fall inside the test on a slow machine).
      assert.ok(welcomes() <= 3, `reconnected without a storm (${String(welcomes())} welcomes)`);
    },
  );

  await t.test(
    "sign out ends the realm session: tokens gone, a new tab is not signed in",
    async () => {
      const ctx = await s.browser.newContext();
      t.after(() => ctx.close());
      const page = await signIn(ctx, s.urls[0]!, user);
      // Before: a second tab of this browser is signed in silently (the realm session), and the
      // tab's refresh token works at the realm.
      const before = await ctx.newPage();
      await before.goto(s.urls[1]!);
      await waitOnline(before);
      await before.close();
      const tokens = await storedTokens(page);
      assert.ok(tokens?.refreshToken !== undefined);
      assert.equal(await refreshStatus(s.realm, tokens.refreshToken), 200);

      const logouts: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("/protocol/openid-connect/logout")) logouts.push(r.url());
      });
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 30_000 });
      assert.equal(new URL(page.url()).origin, s.urls[0], "back on the page after the realm");
      assert.equal(logouts.length, 1, "RP-initiated logout at the realm");
      const hint = new URL(logouts[0]!).searchParams;
      assert.equal(hint.get("client_id"), "chat-web");
      assert.ok(hint.get("id_token_hint"), "with the id token, so the realm needs no confirmation");
      assert.equal(await page.getByTestId("link-status").count(), 0, "the chat page is gone");
      assert.equal(await page.getByRole("alert").count(), 0);
      assert.equal(await storedTokens(page), undefined, "no tokens in sessionStorage");
      assert.deepEqual(await storage(page, "localStorage"), []);
      assert.equal(
        await refreshStatus(s.realm, tokens.refreshToken),
        400,
        "the realm refuses the refresh token",
      );

      // The same tab, reloaded, stays signed out without asking the realm (signed out on purpose).
      const auths: URL[] = [];
      ctx.on("request", (r) => {
        if (r.url().includes("/protocol/openid-connect/auth")) auths.push(new URL(r.url()));
      });
      await page.reload();
      await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 30_000 });
      assert.equal(auths.length, 0);

      // A new tab asks the realm silently, which answers login_required: no session any more.
      const fresh = await ctx.newPage();
      await fresh.goto(s.urls[1]!);
      await fresh.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 30_000 });
      assert.deepEqual(
        auths.map((u) => u.searchParams.get("prompt")),
        ["none"],
      );
      assert.equal(await fresh.getByRole("alert").count(), 0, "signed out is not an error");
      assert.equal(await storedTokens(fresh), undefined);
      // And signing in shows Keycloak's form again.
      await fresh.getByRole("button", { name: "Sign in" }).click();
      await fresh.locator("#kc-login").waitFor({ timeout: 30_000 });
    },
  );
});
