/**
 * Tests of the log shape: credentials in query strings and URLs are redacted, and errors keep
 * their code and cause chain.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { redactText, redactUrl, serializeError } from "./log.ts";
import { ChatError } from "./errors.ts";

void test("redactUrl hides credential-like query values and keeps the rest", () => {
  const cases: [string, string][] = [
    ["/v1/ws", "/v1/ws"],
    ["/v1/ws?ticket=abc", "/v1/ws?ticket=[REDACTED]"],
    [
      "/v1/stream?conversationId=c1&access_token=eyJ.x.y&after=3",
      "/v1/stream?conversationId=c1&access_token=[REDACTED]&after=3",
    ],
    ["/x?API_KEY=1&Password=2", "/x?API_KEY=[REDACTED]&Password=[REDACTED]"],
  ];
  for (const [input, want] of cases) assert.equal(redactUrl(input), want);
});

void test("redactText removes URL userinfo", () => {
  assert.equal(
    redactText("connect postgres://admin:s3cret@db:5432/x failed"),
    "connect postgres://[REDACTED]@db:5432/x failed",
  );
  assert.equal(redactText("no url here"), "no url here");
});

void test("serializeError: type, message, code, details and the cause chain", () => {
  const e = new ChatError(
    "CG_ERR_UNAVAILABLE",
    { dependency: "postgres" },
    { cause: new Error("redis://u:pw@host refused") },
  );
  const s = serializeError(e);
  assert.equal(s.type, "ChatError");
  assert.equal(s.code, "CG_ERR_UNAVAILABLE");
  assert.deepEqual(s.details, { dependency: "postgres" });
  assert.equal(s.cause?.message, "redis://[REDACTED]@host refused");
  assert.equal(serializeError("plain").message, "plain");
});
