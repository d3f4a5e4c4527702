/**
 * Offline validation of librechat.io objects, as close to the kube-apiserver as we can get without
 * one: defaulting, OpenAPI schema validation (ajv), list-map/set uniqueness, and the very same CEL
 * strings from `x-kubernetes-validations`, evaluated with @bufbuild/cel. Transition rules (those that
 * mention `oldSelf`) run only when an old object is given, as on an update.
 */
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import type { CelInput } from "@bufbuild/cel";
import { findKind } from "./registry.ts";
import type { KindDefinition } from "./registry.ts";
import { toPlainSchema } from "./shared/structural.ts";
import type { JsonSchema } from "./shared/structural.ts";
import type { CelRule } from "./shared/schema.ts";

/** One validation failure, with a Kubernetes-style field path (`spec.fallbacks[0].modelRef`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ValidateOptions {
  /** The previous version of the object; enables transition rules (`oldSelf`). */
  readonly oldObject?: unknown;
}

type Obj = Record<string, unknown>;

function isRecord(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ajv-formats is published as CommonJS with a default export object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, validateFormats: true });
addFormats(ajv);

const compiled = new Map<string, { plain: JsonSchema; validate: ValidateFunction }>();

function compiledFor(def: KindDefinition): { plain: JsonSchema; validate: ValidateFunction } {
  const key = `${def.group}/${def.kind}`;
  let entry = compiled.get(key);
  if (entry === undefined) {
    const plain = toPlainSchema(def.schema);
    entry = { plain, validate: ajv.compile(plain) };
    compiled.set(key, entry);
  }
  return entry;
}

const env = celEnv();
type Program = (ctx: Record<string, CelInput>) => unknown;
const programs = new Map<string, Program>();

/** Parses and plans a CEL rule once; throws on syntax errors. */
export function compileRule(rule: string): Program {
  let program = programs.get(rule);
  if (program === undefined) {
    program = plan(env, parse(rule)) as unknown as Program;
    programs.set(rule, program);
  }
  return program;
}

function quote(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value) ?? "null";
}

function joinPath(base: string, segment: string): string {
  if (segment.startsWith("[")) return base + segment;
  return base === "" ? segment : `${base}.${segment}`;
}

function pointerToPath(pointer: string, root: unknown): string {
  if (pointer === "") return "";
  let path = "";
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      path += `[${seg}]`;
      node = node[Number(seg)];
    } else {
      path = joinPath(path, seg);
      node = isRecord(node) ? node[seg] : undefined;
    }
  }
  return path;
}

function ajvMessage(e: ErrorObject, path: string, data: unknown): FieldError {
  const p = e.params as Obj;
  switch (e.keyword) {
    case "required":
      return { path: joinPath(path, String(p["missingProperty"])), message: "Required value" };
    case "additionalProperties":
      return { path: joinPath(path, String(p["additionalProperty"])), message: `unknown field "${joinPath(path, String(p["additionalProperty"]))}"` };
    case "enum":
      return { path, message: `Unsupported value: ${quote(data)}: supported values: ${(p["allowedValues"] as unknown[]).map(quote).join(", ")}` };
    case "pattern":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body should match '${String(p["pattern"])}'` };
    case "maximum":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body should be less than or equal to ${String(p["limit"])}` };
    case "minimum":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body should be greater than or equal to ${String(p["limit"])}` };
    case "maxLength":
      return { path, message: `Too long: may not be more than ${String(p["limit"])} bytes` };
    case "minLength":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body should be at least ${String(p["limit"])} chars long` };
    case "maxItems":
      return { path, message: `Too many: ${Array.isArray(data) ? data.length : "?"}: must have at most ${String(p["limit"])} items` };
    case "minItems":
      return { path, message: `Invalid value: ${Array.isArray(data) ? data.length : "?"}: ${path} in body should have at least ${String(p["limit"])} items` };
    case "maxProperties":
      return { path, message: `Too many: must have at most ${String(p["limit"])} properties` };
    case "type":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body must be of type ${String(p["type"])}` };
    case "format":
      return { path, message: `Invalid value: ${quote(data)}: ${path} in body must be of type ${String(p["format"])}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  if (pointer === "") return node;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = Array.isArray(node) ? node[Number(seg)] : isRecord(node) ? node[seg] : undefined;
  }
  return node;
}

/** Converts JSON data to CEL input guided by the schema: integers become int, objects maps. */
function toCel(schema: JsonSchema, value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (schema["type"] === "integer" && typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) {
    const items = isRecord(schema["items"]) ? (schema["items"] as JsonSchema) : {};
    return value.map((v) => toCel(items, v));
  }
  if (isRecord(value)) {
    const props = isRecord(schema["properties"]) ? (schema["properties"] as Record<string, JsonSchema>) : {};
    const additional = isRecord(schema["additionalProperties"]) ? (schema["additionalProperties"] as JsonSchema) : {};
    const out = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out.set(k, toCel(props[k] ?? additional, v));
    }
    return out;
  }
  return value as CelInput;
}

function celFailure(path: string, rule: CelRule): FieldError {
  const target = rule.fieldPath === undefined ? path : joinPath(path, rule.fieldPath.replace(/^\./, ""));
  switch (rule.reason) {
    case "FieldValueRequired":
      return { path: target, message: `Required value: ${rule.message}` };
    case "FieldValueForbidden":
      return { path: target, message: `Forbidden: ${rule.message}` };
    case "FieldValueDuplicate":
      return { path: target, message: `Duplicate value: ${rule.message}` };
    default:
      return { path: target, message: `Invalid value: "object": ${rule.message}` };
  }
}

function evalRules(schema: JsonSchema, value: unknown, old: unknown, path: string, errors: FieldError[]): void {
  const rules = schema["x-kubernetes-validations"];
  if (!Array.isArray(rules)) return;
  for (const rule of rules as CelRule[]) {
    const transition = /\boldSelf\b/.test(rule.rule);
    if (transition && old === undefined) continue;
    const ctx: Record<string, CelInput> = { self: toCel(schema, value) };
    if (transition) ctx["oldSelf"] = toCel(schema, old);
    let result: unknown;
    try {
      result = compileRule(rule.rule)(ctx);
    } catch (err) {
      result = err;
    }
    if (result === true) continue;
    if (isCelError(result) || result instanceof Error) {
      errors.push({ path, message: `Invalid value: "object": rule evaluation error: ${(result as Error).message} (rule: ${rule.rule})` });
    } else {
      errors.push(celFailure(path, rule));
    }
  }
}

function listKey(item: unknown, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => (isRecord(item) ? item[k] : undefined)));
}

function checkListUniqueness(schema: JsonSchema, list: unknown[], path: string, errors: FieldError[]): void {
  const type = schema["x-kubernetes-list-type"];
  if (type !== "map" && type !== "set") return;
  const keys = type === "map" ? ((schema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? []) : [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = type === "map" ? listKey(item, keys) : JSON.stringify(item);
    if (seen.has(key)) {
      const shown = type === "map" ? `{${keys.map((k) => `"${k}":${JSON.stringify(isRecord(item) ? item[k] : null)}`).join(",")}}` : quote(item);
      errors.push({ path: `${path}[${i}]`, message: `Duplicate value: ${shown}` });
    }
    seen.add(key);
  });
}

function oldListItem(schema: JsonSchema, oldList: unknown, item: unknown, index: number): unknown {
  if (!Array.isArray(oldList)) return undefined;
  if (schema["x-kubernetes-list-type"] === "map") {
    const keys = (schema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
    const key = listKey(item, keys);
    return oldList.find((o) => listKey(o, keys) === key);
  }
  // Atomic lists and sets have no correlatable items: transition rules below them do not run.
  return schema["x-kubernetes-list-type"] === undefined ? oldList[index] : undefined;
}

/** Walks schema and data together: uniqueness of list-maps/sets, then CEL rules bottom-up. */
function walk(schema: JsonSchema, value: unknown, old: unknown, path: string, errors: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const items = isRecord(schema["items"]) ? (schema["items"] as JsonSchema) : undefined;
    checkListUniqueness(schema, value, path, errors);
    if (items !== undefined) {
      value.forEach((item, i) => walk(items, item, oldListItem(schema, old, item, i), `${path}[${i}]`, errors));
    }
  } else if (isRecord(value)) {
    const props = isRecord(schema["properties"]) ? (schema["properties"] as Record<string, JsonSchema>) : undefined;
    const additional = isRecord(schema["additionalProperties"]) ? (schema["additionalProperties"] as JsonSchema) : undefined;
    const oldObj = isRecord(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const child = props?.[k] ?? additional;
      if (child === undefined) continue;
      walk(child, v, oldObj?.[k], additional !== undefined && props?.[k] === undefined ? `${path}[${k}]` : joinPath(path, k), errors);
    }
  }
  evalRules(schema, value, old, path, errors);
}

function metadataErrors(def: KindDefinition, obj: Obj): FieldError[] {
  const meta = obj["metadata"];
  if (!isRecord(meta)) return [];
  const errors: FieldError[] = [];
  if (meta["name"] === undefined && meta["generateName"] === undefined) {
    errors.push({ path: "metadata.name", message: "Required value: name or generateName is required" });
  }
  if (def.scope === "Cluster" && meta["namespace"] !== undefined) {
    errors.push({ path: "metadata.namespace", message: `Forbidden: ${def.kind} is cluster-scoped and has no namespace` });
  }
  return errors;
}

/**
 * Validates one object of a known kind. Defaults are applied to a copy first, as the API server
 * does; returns every error found (empty when valid).
 */
export function validateObject(def: KindDefinition, object: unknown, options: ValidateOptions = {}): FieldError[] {
  const { plain, validate } = compiledFor(def);
  const data = structuredClone(object);
  const old = options.oldObject === undefined ? undefined : structuredClone(options.oldObject);
  const errors: FieldError[] = [];
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      errors.push(ajvMessage(e, pointerToPath(e.instancePath, data), valueAt(data, e.instancePath)));
    }
  }
  if (old !== undefined) compiledFor(def).validate(old); // default the old object too
  if (isRecord(data)) {
    errors.push(...metadataErrors(def, data));
    const schemaErrors = errors.length;
    const celErrors: FieldError[] = [];
    walk(plain, data, old, "", celErrors);
    // A CEL rule that cannot even evaluate on schema-invalid data only adds noise.
    errors.push(...(schemaErrors > 0 ? celErrors.filter((e) => !e.message.includes("rule evaluation error")) : celErrors));
  }
  return dedupe(errors);
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Result for one document of a (multi-document) file. */
export interface DocumentResult {
  readonly index: number;
  readonly kind: string;
  readonly name: string;
  readonly errors: readonly FieldError[];
}

/** Validates any document: unknown apiVersion/kind is itself an error. */
export function validateDocument(doc: unknown, index: number, options: ValidateOptions = {}): DocumentResult {
  if (!isRecord(doc)) {
    return { index, kind: "<none>", name: "<none>", errors: [{ path: "", message: "document is not an object" }] };
  }
  const kind = typeof doc["kind"] === "string" ? doc["kind"] : "<none>";
  const meta = isRecord(doc["metadata"]) ? doc["metadata"] : {};
  const rawName = meta["name"] ?? meta["generateName"];
  const name = typeof rawName === "string" ? rawName : "<unnamed>";
  const def = findKind(doc["apiVersion"], doc["kind"]);
  if (def === undefined) {
    return {
      index,
      kind,
      name,
      errors: [{ path: "", message: `unknown apiVersion/kind ${String(doc["apiVersion"])}/${kind}` }],
    };
  }
  return { index, kind, name, errors: validateObject(def, doc, options) };
}
