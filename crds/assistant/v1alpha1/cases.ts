/** Valid and invalid Assistant objects with the error each must produce. */
import { mergePatch, withSpec } from "../../shared/cases.ts";
import type { InvalidCase, JsonObject, ValidCase } from "../../shared/cases.ts";

const v1 = { name: "v1", modelRef: "llama", instructions: "You are a helpful support agent." };
const v2 = {
  name: "v2",
  modelRef: "gpt",
  promptRef: { name: "prompts", key: "support-v2" },
  parameters: { temperature: "0.3", topP: "0.9", maxTokens: 1024 },
};

const base: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "Assistant",
  metadata: { name: "support" },
  spec: { versions: [v1], variants: [{ version: "v1", weight: 100 }] },
};

const ab = (name: string, patch: JsonObject = {}): JsonObject =>
  mergePatch(
    withSpec(base, name, {
      versions: [v1, v2],
      variants: [
        { version: "v1", weight: 50 },
        { version: "v2", weight: 50 },
      ],
    }),
    patch,
  );

export const validCases: readonly ValidCase[] = [
  { name: "single version", object: base },
  { name: "A/B split 50/50", object: ab("ab") },
  {
    name: "A/B split 90/10 with rollback",
    object: ab("ab-rollback", {
      spec: {
        variants: [
          { version: "v1", weight: 90 },
          { version: "v2", weight: 10 },
        ],
        rollback: { toVersion: "v1", auto: true, errorRateThreshold: "0.05" },
        stickiness: "User",
      },
    }),
  },
  {
    name: "MCP tool with url",
    object: withSpec(base, "tools", {
      versions: [
        {
          ...v1,
          tools: [
            { name: "search", type: "WebSearch" },
            {
              name: "crm",
              type: "MCP",
              url: "https://mcp.acme.test/sse",
              headersSecretRef: { name: "crm", key: "headers" },
            },
          ],
        },
      ],
    }),
  },
  {
    name: "adding a version keeps old ones",
    object: ab("grow"),
    oldObject: withSpec(base, "grow", {}),
  },
];

export const invalidCases: readonly InvalidCase[] = [
  {
    name: "variant naming an unknown version",
    object: withSpec(base, "unknown", { variants: [{ version: "v9", weight: 100 }] }),
    expectFieldPath: "spec.variants",
    expectMessageIncludes: "every variants[].version must name an entry of versions",
  },
  {
    name: "weights summing to 90",
    object: ab("sum90", {
      spec: {
        variants: [
          { version: "v1", weight: 50 },
          { version: "v2", weight: 40 },
        ],
      },
    }),
    expectFieldPath: "spec.variants",
    expectMessageIncludes: "variant weights must sum to 100",
  },
  {
    name: "weights summing to 110",
    object: ab("sum110", {
      spec: {
        variants: [
          { version: "v1", weight: 60 },
          { version: "v2", weight: 50 },
        ],
      },
    }),
    expectFieldPath: "spec.variants",
    expectMessageIncludes: "variant weights must sum to 100",
  },
  {
    name: "rollback to an unknown version",
    object: ab("rb", { spec: { rollback: { toVersion: "v0" } } }),
    expectFieldPath: "spec.rollback.toVersion",
    expectMessageIncludes: "rollback.toVersion must name an entry of versions",
  },
  {
    name: "auto rollback without threshold",
    object: ab("rb2", { spec: { rollback: { auto: true } } }),
    expectFieldPath: "spec.rollback.errorRateThreshold",
    expectMessageIncludes: "errorRateThreshold is required when auto is true",
  },
  {
    name: "more versions than revisionHistoryLimit",
    object: ab("limit", { spec: { revisionHistoryLimit: 1 } }),
    expectFieldPath: "spec.versions",
    expectMessageIncludes: "versions must not hold more entries than revisionHistoryLimit",
  },
  {
    name: "version with instructions and promptRef",
    object: withSpec(base, "both", { versions: [{ ...v1, promptRef: { name: "p", key: "k" } }] }),
    expectFieldPath: "spec.versions[0]",
    expectMessageIncludes: "exactly one of instructions or promptRef must be set",
  },
  {
    name: "version with neither instructions nor promptRef",
    object: withSpec(base, "neither", { versions: [{ name: "v1", modelRef: "llama" }] }),
    expectFieldPath: "spec.versions[0]",
    expectMessageIncludes: "exactly one of instructions or promptRef must be set",
  },
  {
    name: "editing an existing version",
    object: withSpec(base, "edit", { versions: [{ ...v1, instructions: "Be terse." }] }),
    oldObject: withSpec(base, "edit", {}),
    expectFieldPath: "spec.versions[0]",
    expectMessageIncludes: "a version is immutable once created",
  },
  {
    name: "MCP tool without url",
    object: withSpec(base, "mcp", { versions: [{ ...v1, tools: [{ name: "crm", type: "MCP" }] }] }),
    expectFieldPath: "spec.versions[0].tools[0].url",
    expectMessageIncludes: "url is required for MCP tools",
  },
  {
    name: "headersSecretRef on a non-MCP tool",
    object: withSpec(base, "hdr", {
      versions: [
        {
          ...v1,
          tools: [{ name: "s", type: "WebSearch", headersSecretRef: { name: "x", key: "y" } }],
        },
      ],
    }),
    expectFieldPath: "spec.versions[0].tools[0].headersSecretRef",
    expectMessageIncludes: "headersSecretRef is only allowed for MCP tools",
  },
  {
    name: "temperature above 2",
    object: withSpec(base, "temp", { versions: [{ ...v1, parameters: { temperature: "2.5" } }] }),
    expectFieldPath: "spec.versions[0].parameters.temperature",
    expectMessageIncludes: "should match",
  },
  {
    name: "weight above 100",
    object: withSpec(base, "w", { variants: [{ version: "v1", weight: 101 }] }),
    expectFieldPath: "spec.variants[0].weight",
    expectMessageIncludes: "should be less than or equal to 100",
  },
  {
    name: "duplicate variant version",
    object: withSpec(base, "dup", {
      variants: [
        { version: "v1", weight: 50 },
        { version: "v1", weight: 50 },
      ],
    }),
    expectFieldPath: "spec.variants[1]",
    expectMessageIncludes: "Duplicate value",
  },
];
