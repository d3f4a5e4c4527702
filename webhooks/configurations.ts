// Builds the ValidatingWebhookConfiguration and MutatingWebhookConfiguration from the handler
// table,
// either pointing at the in-cluster Service (manifests/webhook/*.yaml are generated from this) or
// at `https://127.0.0.1:<port>` for local and test runs.
import {
  MUTATING_WEBHOOK_CONFIGURATION,
  VALIDATING_WEBHOOK_CONFIGURATION,
} from "../operators/runtime/core-kinds.ts";
import type { WebhookConfigNames } from "./ca-bundle.ts";
import { HANDLERS, handlerPath } from "./handlers.ts";
import type { WebhookHandler } from "./types.ts";

/** Default object names of the two configurations. */
export const DEFAULT_CONFIG_NAMES: WebhookConfigNames = {
  validating: "librechat-operators-validating",
  mutating: "librechat-operators-mutating",
};

/** Seconds the API server waits for an answer; our internal deadline is shorter (server.ts). */
export const TIMEOUT_SECONDS = 10;

/** Where the API server sends reviews. */
export type WebhookTarget =
  { service: { namespace: string; name: string; port: number } } | { url: string };

type Json = Record<string, unknown>;

/** Options of `buildWebhookConfigurations`. */
export interface BuildOptions {
  names?: WebhookConfigNames;
  /** PEM CA bundle; omitted → no caBundle (filled later by ca-bundle.ts or cert-manager). */
  caBundle?: string;
  /** `namespace/certificate` for cert-manager's cainjector (adds the inject-ca-from annotation). */
  certManagerCertificate?: string;
  /** Restricts every webhook to objects with these labels (tests use it to isolate runs). */
  objectSelector?: Json;
  handlers?: readonly WebhookHandler[];
  labels?: Record<string, string>;
}

/** One webhook entry (admissionregistration.k8s.io/v1 ValidatingWebhook / MutatingWebhook). */
export function webhookEntry(h: WebhookHandler, target: WebhookTarget, opts: BuildOptions): Json {
  const clientConfig: Json =
    "service" in target
      ? {
          service: {
            namespace: target.service.namespace,
            name: target.service.name,
            port: target.service.port,
            path: handlerPath(h),
          },
        }
      : { url: `${target.url.replace(/\/+$/, "")}${handlerPath(h)}` };
  if (opts.caBundle !== undefined)
    clientConfig["caBundle"] = Buffer.from(opts.caBundle).toString("base64");
  const entry: Json = {
    name: `${h.type === "validating" ? "validate" : "mutate"}-${h.name}.librechat.io`,
    admissionReviewVersions: ["v1"],
    clientConfig,
    failurePolicy: h.failurePolicy,
    matchPolicy: "Equivalent",
    rules: [
      {
        apiGroups: [h.kind.apiVersion.split("/")[0] ?? ""],
        apiVersions: [h.kind.apiVersion.split("/")[1] ?? ""],
        operations: ["CREATE", "UPDATE"],
        resources: [h.kind.plural],
        scope: h.kind.namespaced ? "Namespaced" : "Cluster",
      },
    ],
    // Pure reads only: safe for dry-run requests.
    sideEffects: "None",
    timeoutSeconds: TIMEOUT_SECONDS,
  };
  if (opts.objectSelector !== undefined) entry["objectSelector"] = opts.objectSelector;
  if (h.type === "mutating") entry["reinvocationPolicy"] = "Never";
  return entry;
}

/** Both configuration objects for `target`. */
export function buildWebhookConfigurations(
  target: WebhookTarget,
  opts: BuildOptions = {},
): { validating: Json; mutating: Json } {
  const names = opts.names ?? DEFAULT_CONFIG_NAMES;
  const handlers = opts.handlers ?? HANDLERS;
  const metadata = (name: string): Json => {
    const m: Json = {
      name,
      labels: {
        "app.kubernetes.io/name": "librechat-operators",
        "app.kubernetes.io/component": "webhook",
        ...opts.labels,
      },
    };
    if (opts.certManagerCertificate !== undefined)
      m["annotations"] = { "cert-manager.io/inject-ca-from": opts.certManagerCertificate };
    return m;
  };
  return {
    validating: {
      apiVersion: VALIDATING_WEBHOOK_CONFIGURATION.apiVersion,
      kind: VALIDATING_WEBHOOK_CONFIGURATION.kind,
      metadata: metadata(names.validating),
      webhooks: handlers
        .filter((h) => h.type === "validating")
        .map((h) => webhookEntry(h, target, opts)),
    },
    mutating: {
      apiVersion: MUTATING_WEBHOOK_CONFIGURATION.apiVersion,
      kind: MUTATING_WEBHOOK_CONFIGURATION.kind,
      metadata: metadata(names.mutating),
      webhooks: handlers
        .filter((h) => h.type === "mutating")
        .map((h) => webhookEntry(h, target, opts)),
    },
  };
}

/** Configurations for a webhook server on this machine: `url: https://127.0.0.1:<port>/...`. */
export function localWebhookConfigurations(
  port: number,
  caBundle: string,
  opts: Omit<BuildOptions, "caBundle"> = {},
): { validating: Json; mutating: Json } {
  return buildWebhookConfigurations({ url: `https://127.0.0.1:${port}` }, { ...opts, caBundle });
}
