// The per-target ledger in the API server: one ConfigMap per target
// ("chaos-ledger.<kind>.<name>" in the target's namespace) holding the claims of running
// policies. Every change is a read-modify-write guarded by resourceVersion (create fails with 409
// if another writer created it first, update with 409 if it changed), and the decision of how
// much to take is made inside that loop, so two operators or workers can never both take the last
// share. Claims carry expiresAt, so a crashed operator's claim lapses by itself.
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { isApiError } from "../../operators/clients/http.ts";
import { resourcePath } from "../../operators/clients/paths.ts";
import type { Ledger } from "./blast.ts";
import { parseLedger } from "./blast.ts";
import { CONFIGMAP } from "./gvks.ts";

export const LEDGER_KEY = "claims.json";
const ATTEMPTS = 10;

/** Name of the ledger ConfigMap of a target. */
export function ledgerName(kind: string, name: string): string {
  return `chaos-ledger.${kind.toLowerCase()}.${name}`.slice(0, 253);
}

/** The create (no resourceVersion: the ConfigMap does not exist yet) or guarded update of a ledger. */
export function ledgerWrite(
  namespace: string,
  name: string,
  ledger: Ledger,
  resourceVersion: string | undefined,
): { method: "POST" | "PUT"; path: string; body: V1ConfigMap } {
  const body: V1ConfigMap = {
    apiVersion: CONFIGMAP.apiVersion,
    kind: CONFIGMAP.kind,
    metadata: {
      name,
      namespace,
      labels: {
        "app.kubernetes.io/managed-by": "librechat-operator",
        "librechat.io/chaos-ledger": "true",
      },
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
    data: { [LEDGER_KEY]: JSON.stringify(ledger) },
  };
  if (resourceVersion === undefined)
    return { method: "POST", path: resourcePath(CONFIGMAP, namespace), body };
  return { method: "PUT", path: resourcePath(CONFIGMAP, namespace, name), body };
}

/**
 * Reads the ledger, lets `change` compute the next one (and a result), writes it with optimistic
 * concurrency, and retries from the read on a conflict.
 */
export async function updateLedger<R>(
  client: Pick<KubeClient, "get" | "http">,
  namespace: string,
  name: string,
  change: (l: Ledger) => { ledger: Ledger; result: R },
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    const cm = await client.get<V1ConfigMap>(CONFIGMAP, namespace, name);
    const before = parseLedger(cm?.data?.[LEDGER_KEY]);
    const { ledger, result } = change(before);
    if (JSON.stringify(ledger) === JSON.stringify(before)) return result;
    try {
      await client.http.request(
        ledgerWrite(namespace, name, ledger, cm?.metadata?.resourceVersion),
      );
      return result;
    } catch (err) {
      if (!isApiError(err, 409) || attempt + 1 >= ATTEMPTS)
        throw new Error(`updating ledger ${namespace}/${name}`, { cause: err });
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    }
  }
}
