/**
 * Renders a commented CR template for a kind from its schema: every field is listed with its
 * description, type, constraints and default. Required fields are active lines; optional fields
 * are commented out, so the template is valid YAML and shows the whole API surface.
 */
import type { KindDefinition } from "./registry.ts";
import { toPlainSchema } from "./shared/structural.ts";
import type { JsonSchema } from "./shared/structural.ts";
import type { CelRule } from "./shared/schema.ts";

type Obj = Record<string, unknown>;

function isRecord(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of a schema keyword value (strings as-is, everything else as JSON). */
function str(value: unknown): string {
  if (typeof value === "string") return value;
  return value === undefined ? "" : JSON.stringify(value);
}

function scalarPlaceholder(schema: JsonSchema): string {
  if (schema["default"] !== undefined) return JSON.stringify(schema["default"]);
  const values = schema["enum"];
  if (Array.isArray(values) && values.length > 0) return JSON.stringify(values[0]);
  switch (schema["type"]) {
    case "integer":
    case "number":
      return String(typeof schema["minimum"] === "number" ? schema["minimum"] : 0);
    case "boolean":
      return "false";
    default:
      return '""';
  }
}

function constraints(schema: JsonSchema, required: boolean): string {
  const parts: string[] = [required ? "required" : "optional", str(schema["type"])];
  const values = schema["enum"];
  if (Array.isArray(values)) parts.push(`one of: ${values.map(str).join(" | ")}`);
  if (schema["default"] !== undefined) parts.push(`default: ${JSON.stringify(schema["default"])}`);
  if (schema["minimum"] !== undefined) parts.push(`min: ${str(schema["minimum"])}`);
  if (schema["maximum"] !== undefined) parts.push(`max: ${str(schema["maximum"])}`);
  if (schema["maxItems"] !== undefined) parts.push(`max items: ${str(schema["maxItems"])}`);
  if (schema["pattern"] !== undefined && schema["enum"] === undefined)
    parts.push(`pattern: ${str(schema["pattern"])}`);
  if (schema["format"] !== undefined) parts.push(`format: ${str(schema["format"])}`);
  return parts.join(", ");
}

function ruleLines(schema: JsonSchema, indent: string): string[] {
  const rules = schema["x-kubernetes-validations"];
  if (!Array.isArray(rules)) return [];
  return (rules as CelRule[]).map((r) => `${indent}# rule: ${r.message}`);
}

function renderField(
  name: string,
  schema: JsonSchema,
  required: boolean,
  indent: string,
  out: string[],
): void {
  const prefix = required ? "" : "# ";
  out.push(`${indent}# ${str(schema["description"])}`);
  out.push(`${indent}# (${constraints(schema, required)})`);
  out.push(...ruleLines(schema, indent));
  renderValue(name, schema, indent, prefix, out);
}

function renderValue(
  name: string,
  schema: JsonSchema,
  indent: string,
  prefix: string,
  out: string[],
): void {
  const type = schema["type"];
  if (type === "object" && isRecord(schema["properties"])) {
    out.push(`${indent}${prefix}${name}:`);
    renderObject(schema, `${indent}${prefix === "" ? "  " : "#   "}`, out);
  } else if (type === "object") {
    out.push(
      `${indent}${prefix}${name}: {} # map of string to ${str((schema["additionalProperties"] as Obj | undefined)?.["type"] ?? "value")}`,
    );
  } else if (type === "array") {
    const items = (schema["items"] ?? {}) as JsonSchema;
    if (items["type"] === "object" && isRecord(items["properties"])) {
      out.push(`${indent}${prefix}${name}:`);
      const inner = `${indent}${prefix === "" ? "  " : "#   "}`;
      out.push(`${inner}- # ${str(items["description"])}`);
      out.push(...ruleLines(items, `${inner}  `));
      renderObject(items, `${inner}  `, out);
    } else {
      out.push(
        `${indent}${prefix}${name}: [] # items: ${str(items["description"])} (${constraints(items, true)})`,
      );
    }
  } else {
    out.push(`${indent}${prefix}${name}: ${scalarPlaceholder(schema)}`);
  }
}

function renderObject(schema: JsonSchema, indent: string, out: string[]): void {
  const props = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema["required"] as string[] | undefined) ?? []);
  // A defaulted field is filled in by the API server, so the template treats it as optional.
  for (const [name, child] of Object.entries(props)) {
    renderField(name, child, required.has(name) && child["default"] === undefined, indent, out);
  }
}

/** The commented template text of one kind. */
export function renderTemplate(def: KindDefinition): string {
  const schema = toPlainSchema(def.schema);
  const props = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
  const out: string[] = [
    `# ${def.kind} (${def.group}/${def.version}, ${def.scope === "Cluster" ? "cluster-scoped" : "namespaced"}): ${str(schema["description"])}`,
    ...ruleLines(schema, ""),
    `# Lines starting with "# field:" are optional; uncomment what you need.`,
    `apiVersion: ${def.group}/${def.version}`,
    `kind: ${def.kind}`,
    "metadata:",
    `  name: example-${def.singular}`,
  ];
  if (def.scope === "Namespaced") out.push("  namespace: default");
  const spec = props["spec"];
  if (spec !== undefined) {
    out.push(`# ${str(spec["description"])}`);
    out.push(...ruleLines(spec, ""));
    out.push("spec:");
    renderObject(spec, "  ", out);
  }
  return `${out.join("\n")}\n`;
}
