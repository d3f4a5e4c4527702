/**
 * Tests of the error mapping: outages of PostgreSQL and Redis become CG_ERR_UNAVAILABLE (503,
 * retryable), anything else CG_ERR_INTERNAL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { toChatError, unavailableDependency } from "./errors.ts";

void test("unavailableDependency recognises driver errors", () => {
  const pgErr = (code: string): Error => Object.assign(new Error("x"), { code });
  const cases: [unknown, "postgres" | "redis" | null][] = [
    [new Error("timeout exceeded when trying to connect"), "postgres"],
    [new Error("Connection terminated unexpectedly"), "postgres"],
    [new Error("Query read timeout"), "postgres"],
    [pgErr("57014"), "postgres"],
    [pgErr("57P01"), "postgres"],
    [pgErr("08006"), "postgres"],
    [pgErr("ECONNREFUSED"), "postgres"],
    [new Error("Command timed out"), "redis"],
    [new Error("Connection is closed."), "redis"],
    [new Error("wrapped", { cause: new Error("Command timed out") }), "redis"],
    [pgErr("23505"), null],
    [new Error("boom"), null],
    ["string", null],
  ];
  for (const [err, want] of cases) assert.equal(unavailableDependency(err), want, String(err));
});

void test("toChatError maps outages to a retryable 503", () => {
  const e = toChatError(new Error("Command timed out"));
  assert.equal(e.code, "CG_ERR_UNAVAILABLE");
  assert.equal(e.statusCode, 503);
  assert.equal(e.retryable, true);
  assert.deepEqual(e.details, { dependency: "redis" });
  assert.equal(toChatError(new Error("bug")).code, "CG_ERR_INTERNAL");
});
