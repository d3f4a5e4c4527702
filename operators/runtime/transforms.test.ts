// Tests of the cache transforms: Secret and ConfigMap values never survive (keys do), managed
// fields and last-applied (which would carry the values again) are dropped, metadata-only keeps
// metadata alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LAST_APPLIED_ANNOTATION } from "./informer.ts";
import { dropDataValues, metadataOnly } from "./transforms.ts";
import type { KubernetesObject } from "./types.ts";

const secret = {
  apiVersion: "v1",
  kind: "Secret",
  type: "Opaque",
  metadata: {
    name: "s",
    namespace: "ns",
    labels: { a: "b" },
    managedFields: [{ manager: "kubectl" }],
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"data":{"apiKey":"c2stc2VjcmV0"}}' },
  },
  data: { apiKey: "c2stc2VjcmV0", other: "eA==" },
  stringData: { plain: "sk-plain" },
} as KubernetesObject;

test("Secret: key names kept, every value gone, metadata kept without managedFields/last-applied", () => {
  const out = dropDataValues(secret) as KubernetesObject & Record<string, unknown>;
  assert.deepEqual(out["data"], { apiKey: "", other: "" });
  assert.deepEqual(out["stringData"], { plain: "" });
  assert.equal(out["type"], "Opaque");
  assert.deepEqual(out.metadata, { name: "s", namespace: "ns", labels: { a: "b" } });
  const text = JSON.stringify(out);
  for (const v of ["c2stc2VjcmV0", "eA==", "sk-plain"]) assert.ok(!text.includes(v), v);
});

test("ConfigMap: data and binaryData keep key names only; input untouched", () => {
  const cm: KubernetesObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    ...{ data: { "routing.json": "{}" }, binaryData: { b: "AAAA" } },
  };
  const out = dropDataValues(cm) as Record<string, unknown>;
  assert.deepEqual(out["data"], { "routing.json": "" });
  assert.deepEqual(out["binaryData"], { b: "" });
  assert.deepEqual((cm as Record<string, unknown>)["data"], { "routing.json": "{}" });
});

test("metadataOnly keeps apiVersion, kind and metadata", () => {
  assert.deepEqual(metadataOnly(secret), {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", namespace: "ns", labels: { a: "b" } },
  });
});
