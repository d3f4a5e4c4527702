// Tests of keys and REST paths of GVKs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupOf, makeKey, objectKey, splitKey } from "./keys.ts";
import { resourcePath } from "../clients/paths.ts";

void describe("keys", () => {
  void it("objectKey/makeKey/splitKey round-trip", () => {
    assert.equal(objectKey({ metadata: { name: "a", namespace: "ns" } }), "ns/a");
    assert.equal(objectKey({ metadata: { name: "node1" } }), "node1");
    assert.equal(makeKey("", "x"), "x");
    assert.deepEqual(splitKey("ns/a"), { namespace: "ns", name: "a" });
    assert.deepEqual(splitKey("a"), { namespace: undefined, name: "a" });
  });
  void it("groupOf", () => {
    assert.equal(groupOf("v1"), "");
    assert.equal(groupOf("apps/v1"), "apps");
    assert.equal(groupOf("librechat.io/v1alpha1"), "librechat.io");
  });
});

void describe("resourcePath", () => {
  const cases: [Parameters<typeof resourcePath>, string][] = [
    [
      [{ apiVersion: "v1", plural: "pods", namespaced: true }, "ns", "p"],
      "/api/v1/namespaces/ns/pods/p",
    ],
    [[{ apiVersion: "v1", plural: "pods", namespaced: true }], "/api/v1/pods"],
    [
      [{ apiVersion: "apps/v1", plural: "deployments", namespaced: true }, "ns", "d", "status"],
      "/apis/apps/v1/namespaces/ns/deployments/d/status",
    ],
    [
      [
        { apiVersion: "librechat.io/v1alpha1", plural: "tenants", namespaced: false },
        "ignored",
        "t",
      ],
      "/apis/librechat.io/v1alpha1/tenants/t",
    ],
  ];
  for (const [args, want] of cases)
    void it(want, () => {
      assert.equal(resourcePath(...args), want);
    });
});
