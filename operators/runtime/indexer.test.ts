// Tests of informer indexes: by owner UID and by label, kept right through adds, updates (value
// moves) and deletes, and filled for objects cached before the index was added.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Indexer, OWNER_UID_INDEX, byLabel, byOwnerUid, labelIndexName } from "./indexer.ts";
import type { KubernetesObject } from "./types.ts";

const obj = (name: string, owner?: string, tenant?: string): KubernetesObject => ({
  metadata: {
    name,
    namespace: "ns",
    ...(owner !== undefined
      ? {
          ownerReferences: [
            { apiVersion: "v1", kind: "X", name: "o", uid: owner, controller: true },
          ],
        }
      : {}),
    ...(tenant !== undefined ? { labels: { "librechat.io/tenant": tenant } } : {}),
  },
});
const TENANT = labelIndexName("librechat.io/tenant");

function indexer(initial: KubernetesObject[] = []): Indexer {
  const ix = new Indexer();
  ix.add(OWNER_UID_INDEX, byOwnerUid, initial);
  ix.add(TENANT, byLabel("librechat.io/tenant"), initial);
  return ix;
}

test("objects cached before the index exists are indexed when it is added", () => {
  const ix = indexer([obj("a", "u1", "acme"), obj("b", "u1"), obj("c", undefined, "acme")]);
  assert.deepEqual(ix.keys(OWNER_UID_INDEX, "u1").sort(), ["ns/a", "ns/b"]);
  assert.deepEqual(ix.keys(TENANT, "acme").sort(), ["ns/a", "ns/c"]);
});

test("an update moves the key from the old value to the new one", () => {
  const ix = indexer();
  ix.update("ns/a", undefined, obj("a", "u1", "acme"));
  ix.update("ns/a", obj("a", "u1", "acme"), obj("a", "u2", "globex"));
  assert.deepEqual(ix.keys(OWNER_UID_INDEX, "u1"), []);
  assert.deepEqual(ix.keys(OWNER_UID_INDEX, "u2"), ["ns/a"]);
  assert.deepEqual(ix.keys(TENANT, "acme"), []);
  assert.deepEqual(ix.keys(TENANT, "globex"), ["ns/a"]);
});

test("a delete removes the key", () => {
  const ix = indexer();
  ix.update("ns/a", undefined, obj("a", "u1", "acme"));
  ix.update("ns/a", obj("a", "u1", "acme"), undefined);
  assert.deepEqual(ix.keys(OWNER_UID_INDEX, "u1"), []);
  assert.deepEqual(ix.keys(TENANT, "acme"), []);
});

test("unknown index and duplicate index are wiring errors", () => {
  const ix = indexer();
  assert.throws(() => ix.keys("nope", "x"), /no index named nope/);
  assert.throws(() => {
    ix.add(OWNER_UID_INDEX, byOwnerUid, []);
  }, /already exists/);
});

test("byOwnerUid lists every owner, byLabel nothing when the label is absent", () => {
  const o: KubernetesObject = {
    metadata: { ownerReferences: [{ uid: "a" }, { uid: "b" }, { kind: "no-uid" }] },
  };
  assert.deepEqual(byOwnerUid(o), ["a", "b"]);
  assert.deepEqual(byLabel("x")(o), []);
});
