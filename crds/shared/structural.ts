/**
 * Turns TypeBox schemas into plain JSON Schema (for offline validation) and into Kubernetes
 * structural schemas (for the CRD), and checks the structural rules the generator relies on.
 */
import type { TSchema } from "@sinclair/typebox";

/** A JSON schema node as plain data. */
export type JsonSchema = { [key: string]: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Plain JSON copy of a TypeBox schema: symbols and `$id` removed, nothing else changed. */
export function toPlainSchema(schema: TSchema): JsonSchema {
  const copy = JSON.parse(JSON.stringify(schema)) as unknown;
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!isRecord(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "$id" || key === "$schema") continue;
      out[key] = strip(value);
    }
    return out;
  };
  return strip(copy) as JsonSchema;
}

/** Sorts object keys recursively (arrays keep their order) so output is deterministic. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

function structuralNode(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && isRecord(value)) {
      const props: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(value))
        props[name] = structuralNode(child as JsonSchema);
      out[key] = props;
    } else if ((key === "items" || key === "additionalProperties") && isRecord(value)) {
      out[key] = structuralNode(value);
    } else {
      out[key] = value;
    }
  }
  // Pruning drops unknown fields server-side; `additionalProperties: false` is not allowed beside properties.
  if (out["additionalProperties"] === false) delete out["additionalProperties"];
  if (out["additionalProperties"] === true) {
    delete out["additionalProperties"];
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  return out;
}

/**
 * Structural schema for `openAPIV3Schema`: metadata becomes a bare object (owned by the API
 * server), apiVersion/kind lose their enums, only `spec` stays required at the root.
 */
export function toStructuralSchema(schema: TSchema, metadataNameMaxLength?: number): JsonSchema {
  const root = structuralNode(toPlainSchema(schema));
  const props = root["properties"];
  if (isRecord(props)) {
    props["metadata"] =
      metadataNameMaxLength === undefined
        ? { type: "object" }
        : {
            type: "object",
            properties: { name: { type: "string", maxLength: metadataNameMaxLength } },
          };
    for (const name of ["apiVersion", "kind"]) {
      const node = props[name];
      if (isRecord(node)) delete node["enum"];
    }
  }
  root["required"] = ["spec"];
  return sortKeys(root) as JsonSchema;
}

const STRUCTURAL_EXEMPT = new Set([
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
]);
const FORBIDDEN_KEYWORDS = [
  "$ref",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "patternProperties",
  "const",
  "definitions",
  "$defs",
];

function checkString(node: JsonSchema, path: string, problems: string[]): void {
  if (
    node["maxLength"] === undefined &&
    node["enum"] === undefined &&
    node["format"] !== "date-time"
  ) {
    problems.push(`${path}: string without maxLength or enum (CEL cost cannot be bounded)`);
  }
}

function checkArray(node: JsonSchema, path: string, problems: string[]): void {
  if (node["maxItems"] === undefined) problems.push(`${path}: array without maxItems`);
  if (node["x-kubernetes-list-type"] === undefined)
    problems.push(`${path}: array without x-kubernetes-list-type`);
  const items = node["items"];
  if (isRecord(items)) checkNode(items, `${path}[*]`, problems);
  else problems.push(`${path}: array without items`);
}

function checkNode(node: JsonSchema, path: string, problems: string[]): void {
  for (const keyword of FORBIDDEN_KEYWORDS) {
    if (keyword in node)
      problems.push(`${path}: uses ${keyword} (not allowed in our structural schemas)`);
  }
  const hasExemption = [...STRUCTURAL_EXEMPT].some((k) => node[k] === true);
  if (typeof node["type"] !== "string" && !hasExemption) problems.push(`${path}: missing type`);
  if (typeof node["description"] !== "string" || node["description"] === "") {
    problems.push(`${path}: missing description`);
  }
  if (node["type"] === "string") checkString(node, path, problems);
  if (node["type"] === "array") checkArray(node, path, problems);
  const props = node["properties"];
  if (isRecord(props)) {
    for (const [name, child] of Object.entries(props))
      checkNode(child as JsonSchema, `${path}.${name}`, problems);
  }
  const additional = node["additionalProperties"];
  if (isRecord(additional)) {
    if (node["maxProperties"] === undefined) problems.push(`${path}: map without maxProperties`);
    checkNode(additional, `${path}[*]`, problems);
  }
}

/**
 * Lists every violation of our structural rules: no `$ref`/combinators, every node typed and
 * described, every string, list and map bounded, every list typed for server-side apply.
 */
export function structuralProblems(openAPIV3Schema: JsonSchema): string[] {
  const problems: string[] = [];
  const props = openAPIV3Schema["properties"];
  if (!isRecord(props)) return ["root: missing properties"];
  for (const [name, child] of Object.entries(props)) {
    if (name === "metadata") continue;
    if (name === "apiVersion" || name === "kind") {
      // Set by the API server's routing; bounding them adds nothing.
      if (
        !isRecord(child) ||
        child["type"] !== "string" ||
        typeof child["description"] !== "string"
      ) {
        problems.push(`${name}: must be a described string`);
      }
      continue;
    }
    checkNode(child as JsonSchema, name, problems);
  }
  return problems;
}
