// Keeps clientConfig.caBundle of our ValidatingWebhookConfiguration and MutatingWebhookConfiguration
// equal to the CA bundle in the webhook Secret. Each webhook entry is patched with a JSON patch that
// first `test`s the entry's name, so a concurrent edit that reorders the list makes the patch fail
// (422) instead of writing the bundle into someone else's entry; the next sync retries.
import { arr, at, isRecord, str } from "./object.ts";
import type { JsonPatchOp } from "./review.ts";
import type { KubeTransport } from "./kube.ts";
import { errorCode } from "./kube.ts";

/** Annotation through which cert-manager's cainjector owns the caBundle. */
export const CERT_MANAGER_INJECT_ANNOTATION = "cert-manager.io/inject-ca-from";

/** Names of our two webhook configuration objects. */
export interface WebhookConfigNames {
  validating: string;
  mutating: string;
}

const PATHS = {
  validating: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
  mutating: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
} as const;

/**
 * JSON patch setting every webhook's clientConfig.caBundle to `caBundleB64`; empty if all match.
 * Pure. `config` is a (Validating|Mutating)WebhookConfiguration as JSON.
 */
export function caBundlePatch(config: unknown, caBundleB64: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  (arr(at(config, "webhooks")) ?? []).forEach((wh, i) => {
    const name = str(at(wh, "name"));
    if (name === undefined || !isRecord(at(wh, "clientConfig"))) return;
    if (str(at(wh, "clientConfig", "caBundle")) === caBundleB64) return;
    ops.push({ op: "test", path: `/webhooks/${i}/name`, value: name });
    ops.push({ op: "add", path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundleB64 });
  });
  return ops;
}

/** Outcome per configuration: patched, already in sync, or absent (404). */
export type SyncOutcome = "patched" | "unchanged" | "missing";

/** Patches both configurations if needed. Throws on API errors other than 404. */
export async function syncCABundle(
  kube: KubeTransport,
  names: WebhookConfigNames,
  caBundlePem: string,
  signal?: AbortSignal,
): Promise<Record<keyof WebhookConfigNames, SyncOutcome>> {
  const b64 = Buffer.from(caBundlePem).toString("base64");
  const one = async (which: keyof WebhookConfigNames): Promise<SyncOutcome> => {
    const path = `${PATHS[which]}/${encodeURIComponent(names[which])}`;
    let config: unknown;
    try {
      config = (
        await kube.request({ method: "GET", path, ...(signal !== undefined ? { signal } : {}) })
      ).body;
    } catch (err: unknown) {
      if (errorCode(err) === 404) return "missing";
      throw err;
    }
    const ops = caBundlePatch(config, b64);
    if (ops.length === 0) return "unchanged";
    await kube.request({
      method: "PATCH",
      path,
      body: ops,
      contentType: "application/json-patch+json",
      ...(signal !== undefined ? { signal } : {}),
    });
    return "patched";
  };
  const [validating, mutating] = await Promise.all([one("validating"), one("mutating")]);
  return { validating, mutating };
}

/**
 * True when cert-manager should own certificates: a configuration carries the inject-ca-from
 * annotation and the cert-manager Certificate CRD is installed. The annotation alone (cert-manager
 * absent) would leave caBundle empty forever, so then we manage certificates ourselves.
 */
export async function certManagerManages(
  kube: KubeTransport,
  names: WebhookConfigNames,
  signal?: AbortSignal,
): Promise<boolean> {
  const opt = signal !== undefined ? { signal } : {};
  const annotated = async (which: keyof WebhookConfigNames): Promise<boolean> => {
    try {
      const res = await kube.request({
        method: "GET",
        path: `${PATHS[which]}/${encodeURIComponent(names[which])}`,
        ...opt,
      });
      return (
        str(at(res.body, "metadata", "annotations", CERT_MANAGER_INJECT_ANNOTATION)) !== undefined
      );
    } catch (err: unknown) {
      if (errorCode(err) === 404) return false;
      throw err;
    }
  };
  const [v, m] = await Promise.all([annotated("validating"), annotated("mutating")]);
  if (!v && !m) return false;
  try {
    await kube.request({
      method: "GET",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io",
      ...opt,
    });
    return true;
  } catch (err: unknown) {
    if (errorCode(err) === 404) return false;
    throw err;
  }
}
