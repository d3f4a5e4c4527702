/**
 * Offline validation of librechat.io objects, as close to the kube-apiserver as we can get without
 * one: defaulting, OpenAPI schema validation (ajv), list-map/set uniqueness, and the very same CEL
 * strings from `x-kubernetes-validations`, evaluated with @bufbuild/cel. Transition rules (those that
 * mention `oldSelf`) run only when an old object is given, as on an update.
 */
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { CelScalar, celEnv, celMethod, isCelError, listType, parse, plan } from "@bufbuild/cel";
import type { CelInput } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
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
  /** Called for every CEL rule evaluated, with whether it held (rule coverage in tests). */
  readonly onRule?: (rule: CelRule, held: boolean) => void;
}

/** Where CEL evaluation reports: the error list and the optional coverage hook. */
interface Sink {
  readonly errors: FieldError[];
  readonly onRule: ((rule: CelRule, held: boolean) => void) | undefined;
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

/**
 * The Kubernetes CEL list library's `sum()` (k8s.io/apiserver/pkg/cel/library/lists.go) for int
 * lists. Together with the strings extension this is all our rules use beyond standard CEL.
 */
const k8sListSum = celMethod("sum", listType(CelScalar.INT), [], CelScalar.INT, function () {
  let total = 0n;
  for (const v of this) if (typeof v === "bigint") total += v;
  return total;
});

// Kubernetes enables the cel-go strings extension (charAt, substring, ...) in CRD validation.
const env = celEnv({ funcs: [k8sListSum, ...strings] });
type Program = (ctx: Record<string, CelInput>) => unknown;
const programs = new Map<string, Program>();

/** Parses and plans a CEL rule once; throws on syntax errors. */
export function compileRule(rule: string): Program {
  let program = programs.get(rule);
  if (program === undefined) {
    const planned: Program = plan(env, parse(rule));
    program = planned;
    programs.set(rule, program);
  }
  return program;
}

function quote(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  return value === undefined ? "null" : JSON.stringify(value);
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

type AjvFormatter = (p: Obj, path: string, data: unknown) => string;

function count(data: unknown): string {
  return Array.isArray(data) ? String(data.length) : "?";
}

/** apiserver-style wording per ajv keyword (substrings match what kube-apiserver reports). */
const AJV_MESSAGES: Record<string, AjvFormatter> = {
  enum: (p, _path, data) =>
    `Unsupported value: ${quote(data)}: supported values: ${(p["allowedValues"] as unknown[]).map(quote).join(", ")}`,
  pattern: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body should match '${String(p["pattern"])}'`,
  maximum: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body should be less than or equal to ${String(p["limit"])}`,
  minimum: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body should be greater than or equal to ${String(p["limit"])}`,
  maxLength: (p) => `Too long: may not be more than ${String(p["limit"])} bytes`,
  minLength: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body should be at least ${String(p["limit"])} chars long`,
  maxItems: (p, _path, data) =>
    `Too many: ${count(data)}: must have at most ${String(p["limit"])} items`,
  minItems: (p, path, data) =>
    `Invalid value: ${count(data)}: ${path} in body should have at least ${String(p["limit"])} items`,
  maxProperties: (p) => `Too many: must have at most ${String(p["limit"])} properties`,
  type: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body must be of type ${String(p["type"])}`,
  format: (p, path, data) =>
    `Invalid value: ${quote(data)}: ${path} in body must be of type ${String(p["format"])}`,
};

function ajvMessage(e: ErrorObject, path: string, data: unknown): FieldError {
  const p = e.params as Obj;
  if (e.keyword === "required") {
    return { path: joinPath(path, String(p["missingProperty"])), message: "Required value" };
  }
  if (e.keyword === "additionalProperties") {
    const field = joinPath(path, String(p["additionalProperty"]));
    return { path: field, message: `unknown field "${field}"` };
  }
  const format = AJV_MESSAGES[e.keyword];
  return { path, message: format === undefined ? (e.message ?? e.keyword) : format(p, path, data) };
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
    const items = isRecord(schema["items"]) ? schema["items"] : {};
    return value.map((v) => toCel(items, v));
  }
  if (isRecord(value)) {
    const props = (isRecord(schema["properties"]) ? schema["properties"] : {}) as Record<
      string,
      JsonSchema
    >;
    const additional = isRecord(schema["additionalProperties"])
      ? schema["additionalProperties"]
      : {};
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
  const target =
    rule.fieldPath === undefined ? path : joinPath(path, rule.fieldPath.replace(/^\./, ""));
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

function evalRules(
  schema: JsonSchema,
  value: unknown,
  old: unknown,
  path: string,
  sink: Sink,
): void {
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
    sink.onRule?.(rule, result === true);
    if (result === true) continue;
    if (isCelError(result) || result instanceof Error) {
      sink.errors.push({
        path,
        message: `Invalid value: "object": rule evaluation error: ${(result as Error).message} (rule: ${rule.rule})`,
      });
    } else {
      sink.errors.push(celFailure(path, rule));
    }
  }
}

function listKey(item: unknown, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => (isRecord(item) ? item[k] : undefined)));
}

function checkListUniqueness(
  schema: JsonSchema,
  list: unknown[],
  path: string,
  errors: FieldError[],
): void {
  const type = schema["x-kubernetes-list-type"];
  if (type !== "map" && type !== "set") return;
  const keys =
    type === "map" ? ((schema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? []) : [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = type === "map" ? listKey(item, keys) : JSON.stringify(item);
    if (seen.has(key)) {
      const shown =
        type === "map"
          ? `{${keys.map((k) => `"${k}":${JSON.stringify(isRecord(item) ? item[k] : null)}`).join(",")}}`
          : quote(item);
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

/** Children of an object or list node: [child schema, value, old value, path]. */
function children(
  schema: JsonSchema,
  value: unknown,
  old: unknown,
  path: string,
): [JsonSchema, unknown, unknown, string][] {
  if (Array.isArray(value)) {
    const items = schema["items"];
    if (!isRecord(items)) return [];
    return value.map((item, i) => [
      items,
      item,
      oldListItem(schema, old, item, i),
      `${path}[${i}]`,
    ]);
  }
  if (!isRecord(value)) return [];
  const props = (isRecord(schema["properties"]) ? schema["properties"] : {}) as Record<
    string,
    JsonSchema
  >;
  const additional = isRecord(schema["additionalProperties"])
    ? schema["additionalProperties"]
    : undefined;
  const oldObj = isRecord(old) ? old : undefined;
  const out: [JsonSchema, unknown, unknown, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const prop = props[k];
    if (prop !== undefined) out.push([prop, v, oldObj?.[k], joinPath(path, k)]);
    else if (additional !== undefined) out.push([additional, v, oldObj?.[k], `${path}[${k}]`]);
  }
  return out;
}

/** List-map keys and set items must be unique (part of schema validation in the API server). */
function checkUniqueness(
  schema: JsonSchema,
  value: unknown,
  path: string,
  errors: FieldError[],
): void {
  if (Array.isArray(value)) checkListUniqueness(schema, value, path, errors);
  for (const [child, v, , p] of children(schema, value, undefined, path))
    checkUniqueness(child, v, p, errors);
}

/** Evaluates CEL rules bottom-up, carrying the old object along for transition rules. */
function walk(schema: JsonSchema, value: unknown, old: unknown, path: string, sink: Sink): void {
  if (value === undefined || value === null) return;
  for (const [child, v, o, p] of children(schema, value, old, path)) walk(child, v, o, p, sink);
  evalRules(schema, value, old, path, sink);
}

function metadataErrors(def: KindDefinition, obj: Obj): FieldError[] {
  const meta = obj["metadata"];
  if (!isRecord(meta)) return [];
  const errors: FieldError[] = [];
  if (meta["name"] === undefined && meta["generateName"] === undefined) {
    errors.push({
      path: "metadata.name",
      message: "Required value: name or generateName is required",
    });
  }
  const max = def.metadataNameMaxLength;
  if (max !== undefined && typeof meta["name"] === "string" && meta["name"].length > max) {
    errors.push({ path: "metadata.name", message: `Too long: may not be more than ${max} bytes` });
  }
  if (def.scope === "Cluster" && meta["namespace"] !== undefined) {
    errors.push({
      path: "metadata.namespace",
      message: `Forbidden: ${def.kind} is cluster-scoped and has no namespace`,
    });
  }
  return errors;
}

/**
 * Validates one object of a known kind. Defaults are applied to a copy first, as the API server
 * does; returns every error found (empty when valid).
 */
export function validateObject(
  def: KindDefinition,
  object: unknown,
  options: ValidateOptions = {},
): FieldError[] {
  const { plain, validate } = compiledFor(def);
  const data = structuredClone(object);
  const old = options.oldObject === undefined ? undefined : structuredClone(options.oldObject);
  const errors: FieldError[] = [];
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      errors.push(
        ajvMessage(e, pointerToPath(e.instancePath, data), valueAt(data, e.instancePath)),
      );
    }
  }
  if (old !== undefined) compiledFor(def).validate(old); // default the old object too
  if (isRecord(data)) errors.push(...metadataErrors(def, data));
  checkUniqueness(plain, data, "", errors);
  if (errors.length > 0) {
    // Like the API server: CEL rules run only on objects that pass the OpenAPI schema.
    errors.push({
      path: "",
      message: "some validation rules were not checked because the object was invalid",
    });
  } else {
    walk(plain, data, old, "", { errors, onRule: options.onRule });
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
export function validateDocument(
  doc: unknown,
  index: number,
  options: ValidateOptions = {},
): DocumentResult {
  if (!isRecord(doc)) {
    return {
      index,
      kind: "<none>",
      name: "<none>",
      errors: [{ path: "", message: "document is not an object" }],
    };
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
      errors: [
        { path: "", message: `unknown apiVersion/kind ${String(doc["apiVersion"])}/${kind}` },
      ],
    };
  }
  return { index, kind, name, errors: validateObject(def, doc, options) };
}
