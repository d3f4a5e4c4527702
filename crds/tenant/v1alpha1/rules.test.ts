// Table tests of the Tenant realm rules shared by the tenant controller and the webhooks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveRealmName, realmNameFor } from "./rules.ts";
import type { RealmSource } from "./rules.ts";

const derived = [
  { in: "acme", want: "acme" },
  { in: "acme.eu", want: "acme-eu" },
  { in: "Acme", want: "acme" },
  { in: ".acme.", want: "acme" },
  { in: `${"a".repeat(62)}.b`, want: "a".repeat(62) },
];
for (const c of derived) {
  test(`realmNameFor(${JSON.stringify(c.in.slice(0, 20))})`, () => {
    assert.equal(realmNameFor(c.in), c.want);
  });
}

const effective: { name: string; t: RealmSource; want: string | undefined }[] = [
  {
    name: "explicit realm name wins",
    t: { metadata: { name: "acme.eu" }, spec: { identity: { realm: { name: "custom" } } } },
    want: "custom",
  },
  {
    name: "derived from metadata.name",
    t: { metadata: { name: "acme.eu" }, spec: { identity: {} } },
    want: "acme-eu",
  },
  {
    name: "empty explicit name falls back",
    t: { metadata: { name: "acme" }, spec: { identity: { realm: { name: "" } } } },
    want: "acme",
  },
  {
    name: "no identity block: no realm",
    t: { metadata: { name: "acme" }, spec: {} },
    want: undefined,
  },
  {
    name: "no usable name",
    t: { metadata: { name: "..." }, spec: { identity: {} } },
    want: undefined,
  },
];
for (const c of effective) {
  test(`effectiveRealmName: ${c.name}`, () => {
    assert.equal(effectiveRealmName(c.t), c.want);
  });
}
