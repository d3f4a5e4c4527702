// Runs one webhook handler against one parsed AdmissionRequest under a hard deadline.
// Whatever the rule function does (throws, hangs, ignores its AbortSignal), `admit` resolves before
// the deadline with an answer that follows the handler's failure policy:
//   Fail   → deny (500 InternalError for errors, 504 Timeout for the deadline)
//   Ignore → allow without changes, with a warning.
import { allow, deny, denyInternal } from "./review.ts";
import type { AdmissionRequest, AdmissionReviewResponse } from "./review.ts";
import type { FailurePolicy, Lookup, PolicyConfig, WebhookHandler } from "./types.ts";

/** Dependencies of a review. */
export interface AdmitDeps {
  lookup: Lookup;
  policy: PolicyConfig;
  /** Milliseconds the rule may take before the failure policy answers instead. */
  deadlineMs: number;
  /** Called for unexpected errors (logging). */
  onError?: (err: unknown, request: AdmissionRequest) => void;
}

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`webhook deadline of ${ms}ms exceeded`);
    this.name = "DeadlineExceeded";
  }
}

function failureAnswer(
  policy: FailurePolicy,
  uid: string,
  err: unknown,
  webhook: string,
): AdmissionReviewResponse {
  const timeout =
    err instanceof DeadlineExceeded ||
    (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"));
  const detail = err instanceof Error ? err.message : String(err);
  const message = timeout
    ? `${webhook}: could not decide in time (${detail})`
    : `${webhook}: could not decide (${detail})`;
  if (policy === "Ignore")
    return allow(uid, undefined, [`${message}; admitted without changes (failurePolicy Ignore)`]);
  return denyInternal(uid, `${message}; denied (failurePolicy Fail)`, timeout ? 504 : 500);
}

function matchesKind(handler: WebhookHandler, request: AdmissionRequest): boolean {
  const [group, version] = handler.kind.apiVersion.includes("/")
    ? handler.kind.apiVersion.split("/")
    : ["", handler.kind.apiVersion];
  return (
    request.kind.kind === handler.kind.kind &&
    request.kind.group === group &&
    request.kind.version === version
  );
}

async function run(
  handler: WebhookHandler,
  request: AdmissionRequest,
  deps: AdmitDeps,
  signal: AbortSignal,
): Promise<AdmissionReviewResponse> {
  const object = request.object;
  if (object === null) return allow(request.uid);
  const target = { kind: handler.kind.kind, name: request.name };
  if (handler.type === "mutating") {
    const patch = handler.default({
      operation: request.operation,
      object,
      oldObject: request.oldObject,
    });
    return allow(request.uid, patch);
  }
  const violations = await handler.validate({
    operation: request.operation,
    object,
    oldObject: request.oldObject,
    namespace: request.namespace,
    lookup: deps.lookup,
    policy: deps.policy,
    signal,
  });
  const denials = violations.filter((v) => v.warning !== true);
  const warnings = violations
    .filter((v) => v.warning === true)
    .map((v) => `${v.field}: ${v.message}`);
  return denials.length === 0
    ? allow(request.uid, undefined, warnings)
    : deny(request.uid, denials, target);
}

/**
 * Validating rules skip updates that cannot break them: the object is being deleted (finalizer
 * removal must never be blocked), or the spec did not change (metadata-only writes: finalizers,
 * labels, annotations). Every validating rule is about spec. Defaulting never skips: a label-only
 * update must not keep a spoofed derived label (the AIModel model-name label), so mutation runs on
 * every CREATE and UPDATE.
 */
export function skipUpdate(
  request: AdmissionRequest,
  handler: Pick<WebhookHandler, "type">,
): boolean {
  if (request.operation !== "UPDATE" || handler.type === "mutating") return false;
  const meta = request.object?.["metadata"];
  if (
    typeof meta === "object" &&
    meta !== null &&
    "deletionTimestamp" in meta &&
    meta.deletionTimestamp != null
  )
    return true;
  return JSON.stringify(request.object?.["spec"]) === JSON.stringify(request.oldObject?.["spec"]);
}

function webhookName(handler: WebhookHandler): string {
  return `${handler.type === "validating" ? "validate" : "mutate"}/${handler.name}`;
}

/** Answers one review; never rejects, never takes (much) longer than `deps.deadlineMs`. */
export async function admit(
  handler: WebhookHandler,
  request: AdmissionRequest,
  deps: AdmitDeps,
): Promise<AdmissionReviewResponse> {
  try {
    return await admitUnguarded(handler, request, deps);
  } catch (err: unknown) {
    // Anything unforeseen (e.g. a RangeError on absurdly deep input) still gets a policy answer.
    deps.onError?.(err, request);
    return failureAnswer(handler.failurePolicy, request.uid, err, webhookName(handler));
  }
}

async function admitUnguarded(
  handler: WebhookHandler,
  request: AdmissionRequest,
  deps: AdmitDeps,
): Promise<AdmissionReviewResponse> {
  const webhook = webhookName(handler);
  if (!matchesKind(handler, request)) {
    const got = `${request.kind.group}/${request.kind.version}/${request.kind.kind}`;
    return failureAnswer(
      handler.failurePolicy,
      request.uid,
      new Error(`handles ${handler.kind.apiVersion} ${handler.kind.kind}, got ${got}`),
      webhook,
    );
  }
  // Only CREATE and UPDATE carry rules; DELETE and CONNECT pass.
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return allow(request.uid);
  if (skipUpdate(request, handler)) return allow(request.uid);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineExceeded(deps.deadlineMs);
      controller.abort(err);
      reject(err);
    }, deps.deadlineMs);
  });
  try {
    return await Promise.race([run(handler, request, deps, controller.signal), deadline]);
  } catch (err: unknown) {
    deps.onError?.(err, request);
    return failureAnswer(handler.failurePolicy, request.uid, err, webhook);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
