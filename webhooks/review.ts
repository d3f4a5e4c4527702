// AdmissionReview (admission.k8s.io/v1) parsing, validation and response building.
// Everything here is pure: no I/O, no clock. The server turns a `ParseResult` error into HTTP 400.

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

/** Admission operations the API server sends. */
export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
const OPERATIONS: readonly string[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

/** A Kubernetes object as seen by the webhook: plain JSON with at least a metadata map. */
export type KubeObject = Record<string, unknown>;

/** The parts of `request` the webhooks use (the rest is ignored, not rejected). */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  name: string;
  namespace: string;
  operation: Operation;
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
  userInfo: { username: string; groups: string[] };
}

/** metav1.CauseType values used in denials. */
export type CauseType =
  | "FieldValueInvalid"
  | "FieldValueRequired"
  | "FieldValueNotFound"
  | "FieldValueForbidden"
  | "FieldValueDuplicate";

/** One rule violation; `field` is the JSON field path, e.g. `spec.variants[1].weight`. */
export interface Violation {
  field: string;
  message: string;
  type?: CauseType;
  /**
   * Reported as an admission warning instead of denying: a reference to an object that does not
   * exist yet (GitOps applies objects in any order; the controller reports it as a condition).
   */
  warning?: boolean;
}

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: "add" | "replace" | "remove" | "test";
  path: string;
  value?: unknown;
}

/** metav1.Status as carried in an AdmissionResponse. */
export interface ResponseStatus {
  code: number;
  status: "Failure";
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    causes: { field: string; message: string; reason: string }[];
  };
}

/** admission.k8s.io/v1 AdmissionResponse. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: ResponseStatus;
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
}

/** The full answer sent back to the API server. */
export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** Outcome of `parseAdmissionReview`: the request, or a message fit for an HTTP 400 body. */
export type ParseResult = { ok: true; request: AdmissionRequest } | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function parseGVK(
  v: unknown,
  field: string,
  keys: readonly [string, string, string],
): string | Record<string, string> {
  if (!isRecord(v)) return `request.${field}: must be an object`;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const s = v[k];
    if (typeof s !== "string") return `request.${field}.${k}: must be a string`;
    out[k] = s;
  }
  return out;
}

function parseObject(v: unknown, field: string): KubeObject | null | string {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) return `request.${field}: must be an object or null`;
  if (v["metadata"] !== undefined && !isRecord(v["metadata"]))
    return `request.${field}.metadata: must be an object`;
  return v;
}

function parseUserInfo(v: unknown): { username: string; groups: string[] } {
  if (!isRecord(v)) return { username: "", groups: [] };
  const groups = Array.isArray(v["groups"])
    ? v["groups"].filter((g): g is string => typeof g === "string")
    : [];
  return { username: str(v["username"]) ?? "", groups };
}

function checkEnvelope(body: unknown): string | Record<string, unknown> {
  if (!isRecord(body)) return "body: must be a JSON object (an AdmissionReview)";
  if (body["apiVersion"] !== ADMISSION_API_VERSION) {
    return `apiVersion: must be "${ADMISSION_API_VERSION}" (got ${JSON.stringify(body["apiVersion"] ?? null)})`;
  }
  if (body["kind"] !== "AdmissionReview") {
    return `kind: must be "AdmissionReview" (got ${JSON.stringify(body["kind"] ?? null)})`;
  }
  const req = body["request"];
  if (!isRecord(req)) return "request: must be an object";
  const uid = req["uid"];
  if (typeof uid !== "string" || uid === "") return "request.uid: must be a non-empty string";
  const op = req["operation"];
  if (typeof op !== "string" || !OPERATIONS.includes(op)) {
    return `request.operation: must be one of ${OPERATIONS.join(", ")} (got ${JSON.stringify(op ?? null)})`;
  }
  return req;
}

/**
 * Validates an AdmissionReview body and extracts its request.
 * Never throws: anything that is not a well-formed admission.k8s.io/v1 review becomes `{ ok: false }`.
 */
export function parseAdmissionReview(body: unknown): ParseResult {
  const req = checkEnvelope(body);
  if (typeof req === "string") return { ok: false, error: req };
  const parts = parseParts(req);
  if (typeof parts === "string") return { ok: false, error: parts };
  const operation = req["operation"] as Operation;
  if ((operation === "CREATE" || operation === "UPDATE") && parts.object === null) {
    return { ok: false, error: `request.object: required for ${operation}` };
  }
  const request: AdmissionRequest = {
    uid: req["uid"] as string,
    ...parts,
    name: str(req["name"]) ?? "",
    namespace: str(req["namespace"]) ?? "",
    operation,
    dryRun: req["dryRun"] === true,
    userInfo: parseUserInfo(req["userInfo"]),
  };
  const sub = str(req["subResource"]);
  if (sub !== undefined && sub !== "") request.subResource = sub;
  return { ok: true, request };
}

type Parts = Pick<AdmissionRequest, "kind" | "resource" | "object" | "oldObject">;

function parseParts(req: Record<string, unknown>): Parts | string {
  const kind = parseGVK(req["kind"], "kind", ["group", "version", "kind"]);
  if (typeof kind === "string") return kind;
  const resource = parseGVK(req["resource"], "resource", ["group", "version", "resource"]);
  if (typeof resource === "string") return resource;
  const object = parseObject(req["object"], "object");
  if (typeof object === "string") return object;
  const oldObject = parseObject(req["oldObject"], "oldObject");
  if (typeof oldObject === "string") return oldObject;
  return {
    kind: { group: kind["group"] ?? "", version: kind["version"] ?? "", kind: kind["kind"] ?? "" },
    resource: {
      group: resource["group"] ?? "",
      version: resource["version"] ?? "",
      resource: resource["resource"] ?? "",
    },
    object,
    oldObject,
  };
}

/** Wraps a response in the AdmissionReview envelope. */
export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

/** Allows the request, optionally with a JSON patch (mutating webhooks) and warnings. */
export function allow(
  uid: string,
  patch?: readonly JsonPatchOp[],
  warnings?: readonly string[],
): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid, allowed: true };
  if (patch !== undefined && patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
  }
  if (warnings !== undefined && warnings.length > 0) response.warnings = [...warnings];
  return reviewResponse(response);
}

/** Formats violations as `field: message; field: message`. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.field}: ${v.message}`).join("; ");
}

/**
 * Denies the request. `code` is 403 when any violation is a `FieldValueForbidden` (a policy boundary),
 * else 422 (`Invalid`, like built-in validation). Each violation becomes a status cause with `field`.
 */
export function deny(
  uid: string,
  violations: readonly Violation[],
  target?: { kind: string; name: string },
): AdmissionReviewResponse {
  const forbidden = violations.some((v) => v.type === "FieldValueForbidden");
  const status: ResponseStatus = {
    code: forbidden ? 403 : 422,
    status: "Failure",
    reason: forbidden ? "Forbidden" : "Invalid",
    message: formatViolations(violations),
    details: {
      ...(target !== undefined ? { kind: target.kind, name: target.name } : {}),
      causes: violations.map((v) => ({
        field: v.field,
        message: v.message,
        reason: v.type ?? "FieldValueInvalid",
      })),
    },
  };
  return reviewResponse({ uid, allowed: false, status });
}

/** Denies because the webhook could not decide (lookup failure, deadline): HTTP 500/504 semantics. */
export function denyInternal(uid: string, message: string, code = 500): AdmissionReviewResponse {
  return reviewResponse({
    uid,
    allowed: false,
    status: {
      code,
      status: "Failure",
      reason: code === 504 ? "Timeout" : "InternalError",
      message,
    },
  });
}

/** Escapes one JSON Pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerSegment(s: string): string {
  return s.replaceAll("~", "~0").replaceAll("/", "~1");
}
