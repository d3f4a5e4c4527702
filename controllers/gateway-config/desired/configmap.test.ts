import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeConfigFile } from "../../../workloads/inference-gateway/src/plugins/config-watcher.ts";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import {
  CONFIG_KEY,
  contentHash,
  desiredConfigMap,
  GENERATION_ANNOTATION,
  HASH_ANNOTATION,
  routingText,
} from "./configmap.ts";
import { bigInput, input, OPTIONS, vllm } from "./fixtures.test-helpers.ts";
import { renderRouting } from "./routing.ts";

const small = renderRouting(input({ aimodels: [vllm("llama")] }), OPTIONS).config;

void test("desiredConfigMap: small configs as JSON in data, with hash and generation annotations", () => {
  const cm = desiredConfigMap({ ...small, generation: 7 }, "librechat-system");
  assert.equal(cm.metadata?.name, "inference-gateway-routing");
  assert.equal(cm.metadata?.namespace, "librechat-system");
  assert.equal(cm.data?.[CONFIG_KEY], routingText({ ...small, generation: 7 }));
  assert.equal(cm.binaryData, undefined);
  assert.equal(cm.metadata?.annotations?.[GENERATION_ANNOTATION], "7");
  // The hash ignores the generation: only content changes count.
  assert.equal(
    cm.metadata?.annotations?.[HASH_ANNOTATION],
    contentHash({ ...small, generation: 99 }),
  );
});

void test("desiredConfigMap: above the threshold, gzip in binaryData that the gateway decodes", () => {
  const cm = desiredConfigMap(small, "ns", 10);
  assert.equal(cm.data, undefined);
  const bytes = Buffer.from(cm.binaryData?.[CONFIG_KEY] ?? "", "base64");
  assert.equal(decodeConfigFile(bytes), routingText(small));
  assert.deepEqual(desiredConfigMap(small, "ns", 10), cm, "deterministic bytes");
});

void test("1,000 AIModels + 100 Assistants + 200 Tenants: size as JSON and in the ConfigMap", () => {
  const config = renderRouting(bigInput(), OPTIONS).config;
  const json = Buffer.byteLength(routingText(config));
  const cm = desiredConfigMap(config, "ns");
  const stored = Buffer.byteLength(JSON.stringify(cm));
  process.stdout.write(
    `# routing.json ${json} bytes; ConfigMap ${stored} bytes (${cm.data === undefined ? "gzip" : "plain"})\n`,
  );
  assert.ok(stored < 1024 * 1024, `ConfigMap of ${stored} bytes passes the 1 MiB object limit`);
  const text =
    cm.data?.[CONFIG_KEY] ??
    decodeConfigFile(Buffer.from(cm.binaryData?.[CONFIG_KEY] ?? "", "base64"));
  assert.ok(validateRoutingConfig(JSON.parse(text) as unknown).ok);
});
