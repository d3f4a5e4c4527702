/**
 * The server frames every transport sends match their protocol schemas (welcome and reconnect
 * with and without a regions table, error frames).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { ErrorFrame, ReconnectFrame, WelcomeFrame } from "../protocol/frames.ts";
import type { RegionsTable } from "../regions.ts";
import { errorFrame, reconnectFrame, welcomeFrame } from "./session.ts";

const regions: RegionsTable = {
  self: "eu-1",
  regions: [
    {
      name: "eu-1",
      dataRegion: "eu",
      endpoint: "wss://eu-1/v1/ws",
      priority: 0,
      weight: 1,
      healthy: true,
    },
  ],
};

void test("welcome, reconnect and error frames match the protocol schemas", () => {
  const base = {
    connectionId: "c",
    tenantId: "t",
    userId: "u",
    replica: "r",
    heartbeatMs: 1000,
    maxFrameBytes: 65536,
  };
  const frames: [unknown, string][] = [
    [WelcomeFrame, welcomeFrame({ ...base, regions: null })],
    [WelcomeFrame, welcomeFrame({ ...base, regions })],
    [ReconnectFrame, reconnectFrame("draining", 100, null)],
    [ReconnectFrame, reconnectFrame("draining", 100, regions)],
    [ErrorFrame, errorFrame("CG_ERR_UNAVAILABLE", "ref-1", { dependency: "redis" })],
  ];
  for (const [schema, text] of frames) {
    const f = JSON.parse(text) as unknown;
    assert.ok(
      Value.Check(schema as typeof WelcomeFrame, f),
      `${text}: ${JSON.stringify([...Value.Errors(schema as typeof WelcomeFrame, f)][0])}`,
    );
  }
  assert.deepEqual(
    (JSON.parse(welcomeFrame({ ...base, regions })) as { regions: unknown }).regions,
    regions,
  );
  assert.equal("regions" in (JSON.parse(reconnectFrame("draining", 1, null)) as object), false);
});
