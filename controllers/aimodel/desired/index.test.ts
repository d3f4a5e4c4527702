// Tests of the child set of an AIModel and its endpoint: which children exist per provider and
// replica count, and the URL the gateway uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openai, vllm } from "../fixtures.test-helpers.ts";
import { DEFAULT_CONFIG, desiredChildren, endpointFor } from "./index.ts";

const childCases = [
  {
    name: "self-hosted, one replica: Deployment and Service",
    m: vllm(),
    want: ["deployment", "service"],
  },
  {
    name: "self-hosted, three replicas: plus a PDB",
    m: vllm({ replicas: 3, maxReplicas: 3 }),
    want: ["deployment", "service", "pdb"],
  },
  { name: "external provider: nothing", m: openai(), want: [] },
];
for (const c of childCases) {
  test(`desiredChildren: ${c.name}`, () => {
    assert.deepEqual(Object.keys(desiredChildren(c.m)), c.want);
  });
}

const endpointCases = [
  {
    name: "self-hosted in-cluster URL",
    m: vllm(),
    want: "http://llama.team-a.svc.cluster.local:8000/v1",
  },
  { name: "openai default URL", m: openai(), want: "https://api.openai.com/v1" },
  {
    name: "explicit baseURL wins",
    m: openai({
      external: {
        baseURL: "https://proxy.example/v1",
        credentialsSecretRef: { name: "s", key: "k" },
      },
    }),
    want: "https://proxy.example/v1",
  },
];
for (const c of endpointCases) {
  test(`endpointFor: ${c.name}`, () => {
    assert.equal(endpointFor(c.m, DEFAULT_CONFIG), c.want);
  });
}
