/**
 * Bad input gets the right 4xx in OpenAI's error shape: malformed JSON, oversized body, unknown
 * model, no credentials, forged or expired JWT, wrong content type, schema violations; and 1,000
 * fuzzed bodies from a seeded PRNG never crash the process nor produce anything but 2xx/4xx JSON.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, generateKeyPair } from "jose";
import {
  mulberry32,
  startTestUpstream,
} from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { newTenant, post, routing, startGateway } from "./helpers.ts";
import { startLocalIssuer } from "./oidc.ts";

type ErrBody = { error: { message: string; type: string; param: string | null; code: string } };

function assertError(
  r: { status: number; json: unknown; text: string },
  status: number,
  code: string,
): void {
  assert.equal(r.status, status, r.text);
  const e = (r.json as ErrBody).error;
  assert.equal(e.code, code, r.text);
  assert.equal(typeof e.message, "string");
  assert.equal(typeof e.type, "string");
  assert.ok("param" in e);
}

void test("bad input and bad credentials answer the right 4xx in OpenAI's error shape", async (t) => {
  const up = await startTestUpstream();
  const issuer = await startLocalIssuer();
  t.after(() => Promise.all([up.close(), issuer.close()]));
  const tenant = newTenant("bad");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [
        { name: "m", routes: [{ backend: "b" }] },
        { name: "other", routes: [{ backend: "b" }] },
      ],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          oidc: [{ issuer: issuer.issuer, audience: "librechat" }],
          models: ["m"],
        },
      ],
    }),
    { bodyLimit: 2048, jwksCooldownMs: 0 },
  );
  t.after(() => gw.close());
  const url = `${gw.url}/v1/chat/completions`;
  const ok = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 };

  assertError(
    await post(url, '{"model": "m", "messages": [', tenant.key),
    400,
    "GW_ERR_INVALID_JSON",
  );
  assertError(await post(url, "", tenant.key), 400, "GW_ERR_INVALID_JSON");
  assertError(
    await post(url, { ...ok, messages: [{ role: "user", content: "x".repeat(4096) }] }, tenant.key),
    413,
    "GW_ERR_BODY_TOO_LARGE",
  );
  assertError(await post(url, { ...ok, model: "nope" }, tenant.key), 404, "GW_ERR_MODEL_NOT_FOUND");
  assertError(
    await post(url, { ...ok, model: "other" }, tenant.key),
    403,
    "GW_ERR_MODEL_FORBIDDEN",
  );
  assertError(await post(url, ok, undefined), 401, "GW_ERR_UNAUTHENTICATED");
  assertError(await post(url, ok, "sk-not-a-key"), 401, "GW_ERR_INVALID_API_KEY");
  assertError(
    await post(url, JSON.stringify(ok), tenant.key, { "content-type": "text/plain" }),
    415,
    "GW_ERR_UNSUPPORTED_MEDIA_TYPE",
  );
  const invalid = await post(url, { ...ok, messages: "hi" }, tenant.key);
  assertError(invalid, 400, "GW_ERR_INVALID_REQUEST");
  assert.equal((invalid.json as ErrBody).error.param, "messages");
  assertError(
    await post(url, { ...ok, temperature: 7 }, tenant.key),
    400,
    "GW_ERR_INVALID_REQUEST",
  );
  assertError(
    await post(url, '{"__proto__": {"x": 1}, "model": "m", "messages": []}', tenant.key),
    400,
    "GW_ERR_INVALID_JSON",
  );
  assertError(await post(`${gw.url}/v1/nothing`, ok, tenant.key), 404, "GW_ERR_NOT_FOUND");

  // OIDC: valid, wrong audience, forged, expired, untrusted issuer, rotated key.
  const good = await issuer.sign({ sub: "alice" });
  assert.equal((await post(url, ok, good)).status, 200);
  assertError(await post(url, { ...ok, model: "other" }, good), 403, "GW_ERR_MODEL_FORBIDDEN");
  assertError(
    await post(url, ok, await issuer.sign({ sub: "a" }, { audience: "someone-else" })),
    401,
    "GW_ERR_INVALID_TOKEN",
  );
  const { privateKey: forgedKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT({ sub: "mallory" })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(issuer.issuer)
    .setAudience("librechat")
    .setExpirationTime("5m")
    .sign(forgedKey);
  assertError(await post(url, ok, forged), 401, "GW_ERR_INVALID_TOKEN");
  const expired = await issuer.sign(
    { sub: "alice" },
    { expiresIn: Math.floor(Date.now() / 1000) - 60 },
  );
  const exp = await post(url, ok, expired);
  assertError(exp, 401, "GW_ERR_INVALID_TOKEN");
  assert.match((exp.json as ErrBody).error.message, /expired/);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ iss: issuer.issuer, aud: "librechat", sub: "x" })).toString("base64url")}.x`;
  assertError(await post(url, ok, `eyJ${none.slice(3)}`), 401, "GW_ERR_INVALID_TOKEN");
  const foreign = await new SignJWT({ sub: "x" })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuer("http://127.0.0.1:1/realms/evil")
    .setAudience("librechat")
    .setExpirationTime("5m")
    .sign(forgedKey);
  assertError(await post(url, ok, foreign), 401, "GW_ERR_INVALID_TOKEN");
  await issuer.rotate();
  const rotated = await issuer.sign({ sub: "alice" });
  assert.equal(
    (await post(url, ok, rotated)).status,
    200,
    "a token signed with a rotated key verifies after a JWKS refetch",
  );
  assert.ok(issuer.jwksFetches() >= 2);
});

function fuzzValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -1, 1e308, 2 ** 53, 0.5, NaN][Math.floor(r() * 6)];
    case 3:
      return [
        "",
        "m",
        "x".repeat(Math.floor(r() * 300)),
        "\u0000\ud83d\ude00",
        "<script>",
        "' OR 1=1",
      ][Math.floor(r() * 6)];
    case 4:
      return Math.floor(r() * 5000) - 100;
    case 5:
      return "user";
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => fuzzValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        "model",
        "messages",
        "role",
        "content",
        "stream",
        "max_tokens",
        "temperature",
        "n",
        "stop",
        "tools",
        "type",
        "text",
        "constructor",
        "stream_options",
        "include_usage",
      ];
      for (let i = Math.floor(r() * 4); i > 0; i--)
        o[keys[Math.floor(r() * keys.length)]!] = fuzzValue(r, depth + 1);
      return o;
    }
  }
}

function fuzzBody(r: () => number): string {
  const base: Record<string, unknown> = {
    model: "m",
    messages: [{ role: "user", content: "fuzz" }],
    max_tokens: 3,
  };
  const mode = Math.floor(r() * 5);
  if (mode === 0) return JSON.stringify(fuzzValue(r));
  const keys = [
    "model",
    "messages",
    "stream",
    "max_tokens",
    "temperature",
    "n",
    "stop",
    "stream_options",
    "tools",
    "tool_choice",
    "user",
  ];
  for (let i = 1 + Math.floor(r() * 3); i > 0; i--)
    base[keys[Math.floor(r() * keys.length)]!] = fuzzValue(r);
  if (mode === 1) base["messages"] = [{ role: fuzzValue(r), content: fuzzValue(r) }];
  const text = JSON.stringify(base);
  if (mode === 2) return text.slice(0, Math.floor(r() * text.length));
  if (mode === 3) return text.replace(/[:,]/, Math.floor(r() * 2) === 0 ? "" : "::");
  return text;
}

void test("1,000 fuzzed bodies (seeded) never crash the gateway; every answer is 2xx/4xx JSON", async (t) => {
  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("fuzz");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["m"],
          limits: { rpm: 1_000_000 },
        },
      ],
    }),
    { bodyLimit: 64 * 1024 },
  );
  t.after(() => gw.close());
  const r = mulberry32(20261127);
  const bodies = Array.from({ length: 1000 }, () => fuzzBody(r));
  const statuses = new Map<number, number>();
  for (let i = 0; i < bodies.length; i += 25) {
    await Promise.all(
      bodies.slice(i, i + 25).map(async (body) => {
        const res = await post(`${gw.url}/v1/chat/completions`, body, tenant.key);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(
          (res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500),
          `status ${res.status} for ${body.slice(0, 200)}: ${res.text.slice(0, 200)}`,
        );
        if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          for (const line of res.text.split("\n").filter((l) => l.startsWith("data: "))) {
            if (line !== "data: [DONE]") JSON.parse(line.slice(6));
          }
        } else {
          assert.notEqual(res.json, undefined, `not JSON: ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assert.equal(typeof (res.json as ErrBody).error.code, "string");
        }
      }),
    );
  }
  const health = await fetch(`${gw.url}/healthz`);
  assert.equal(health.status, 200);
  assert.ok(
    (statuses.get(200) ?? 0) > 0 && [...statuses.keys()].some((s) => s >= 400),
    `status mix ${JSON.stringify([...statuses])}`,
  );
});
