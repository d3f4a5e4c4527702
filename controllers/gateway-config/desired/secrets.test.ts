import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CREDENTIALS_SECRET,
  desiredCredentialsSecret,
  desiredTenantKeySecret,
  sha256Hex,
  TENANT_KEY_KEY,
  TENANT_LABEL,
} from "./secrets.ts";

void test("desiredCredentialsSecret: one sorted key per external AIModel in the operator namespace", () => {
  const s = desiredCredentialsSecret(
    "librechat-system",
    new Map([
      ["team.b", "Ymk="],
      ["team.a", "YQ=="],
    ]),
  );
  assert.equal(s.metadata?.name, CREDENTIALS_SECRET);
  assert.equal(s.metadata?.namespace, "librechat-system");
  assert.deepEqual(Object.keys(s.data ?? {}), ["team.a", "team.b"]);
  assert.equal(s.data?.["team.b"], "Ymk=");
});

void test("desiredTenantKeySecret: owned by the Tenant, labelled with it, key under api-key", () => {
  const s = desiredTenantKeySecret({ name: "acme", uid: "u1" }, "acme-chat", "c2stMTIz");
  assert.equal(s.metadata?.namespace, "acme-chat");
  assert.equal(s.metadata?.labels?.[TENANT_LABEL], "acme");
  assert.deepEqual(s.metadata?.ownerReferences?.[0], {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    name: "acme",
    uid: "u1",
    controller: true,
    blockOwnerDeletion: false,
  });
  assert.equal(s.data?.[TENANT_KEY_KEY], "c2stMTIz");
});

void test("sha256Hex matches the gateway's API key hash", async () => {
  const { hashApiKey } = await import("../../../workloads/inference-gateway/src/plugins/auth.ts");
  for (const k of ["sk-1", "", "ключ"]) assert.equal(sha256Hex(k), hashApiKey(k));
});
