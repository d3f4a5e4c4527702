// Wiring of the gateway-config controller: everything maps to one key (the routing ConfigMap),
// and only changes that can alter the rendering or a status it writes enqueue it (spec
// generations, an AIModel's Ready (for its Assistants' Ready), an Assistant's rollback state,
// ChaosPolicy active faults, the Secrets and prompt ConfigMaps that are referenced, the Tenants'
// LibreChat ConfigMaps), so other status writes by other controllers do not cause re-renders.
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND as AIMODEL } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND as ASSISTANT } from "../../crds/assistant/v1alpha1/index.ts";
import { CHAOSPOLICY_KIND as CHAOSPOLICY } from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_KIND as TENANT } from "../../crds/tenant/v1alpha1/index.ts";
import { CONFIG_MAP as CONFIGMAP, SECRET } from "../../operators/runtime/core-kinds.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Informer, KubernetesObject, Manager } from "../../operators/runtime/index.ts";
import { objectKey } from "../../operators/runtime/index.ts";
import { CONFIGMAP_NAME } from "./desired/configmap.ts";
import { LIBRECHAT_CONFIGMAP } from "./desired/librechat-configmap.ts";
import type { LibreChatOptions } from "./librechat.ts";
import type { RenderOptions } from "./desired/routing.ts";
import { CREDENTIALS_SECRET, TENANT_KEY_SECRET } from "./desired/secrets.ts";
import { CONTROLLER_NAME, gatewayConfigReconciler, routingKey } from "./reconcile.ts";
import { ValueReader } from "./values.ts";

export interface GatewayConfigOptions {
  namespace: string;
  render: RenderOptions;
  /** Absent: no LibreChat ConfigMaps. */
  libreChat?: LibreChatOptions | undefined;
  now?: () => Date;
}

/**
 * A map function that enqueues `key` when `fingerprint(obj)` differs from the last one seen for
 * that object, or when the object left the cache (deleted).
 */
export function onChange<T extends KubernetesObject>(
  informer: Pick<Informer<T>, "get">,
  key: string,
  fingerprint: (o: T) => string,
): (o: KubernetesObject) => string[] {
  const seen = new Map<string, string>();
  return (o) => {
    const k = objectKey(o);
    if (informer.get(k) === undefined) {
      seen.delete(k);
      return [key];
    }
    const f = fingerprint(o as T);
    if (seen.get(k) === f) return [];
    seen.set(k, f);
    return [key];
  };
}

/** Registers the controller with the manager. */
export function addGatewayConfigController(
  mgr: Manager,
  client: KubeClient,
  opts: GatewayConfigOptions,
): void {
  const key = routingKey(opts.namespace);
  const aimodels = mgr.informer<AIModel>(AIMODEL);
  const tenants = mgr.informer<Tenant>(TENANT);
  const assistants = mgr.informer<Assistant>(ASSISTANT);
  const chaospolicies = mgr.informer<KubernetesObject & { status?: Record<string, unknown> }>(
    CHAOSPOLICY,
  );
  const secrets = mgr.informer<V1Secret>(SECRET);
  const configmaps = mgr.informer<V1ConfigMap>(CONFIGMAP);
  const gen = (o: KubernetesObject): string => String(o.metadata?.generation ?? 0);
  const referencedSecret = (o: KubernetesObject): string[] => {
    const ns = o.metadata?.namespace ?? "";
    const name = o.metadata?.name ?? "";
    if (name === TENANT_KEY_SECRET || (ns === opts.namespace && name === CREDENTIALS_SECRET))
      return [key];
    return aimodels.list(ns).some((m) => m.spec.external?.credentialsSecretRef.name === name)
      ? [key]
      : [];
  };
  const referencedPrompt = (o: KubernetesObject): string[] => {
    const ns = o.metadata?.namespace ?? "";
    const name = o.metadata?.name;
    // A Tenant's LibreChat ConfigMap, edited or deleted by hand, is written again.
    if (name === LIBRECHAT_CONFIGMAP) return [key];
    return assistants.list(ns).some((a) => a.spec.versions.some((v) => v.promptRef?.name === name))
      ? [key]
      : [];
  };
  mgr.addController({
    name: CONTROLLER_NAME,
    // The routing ConfigMap itself: edited or deleted by hand, it is written again.
    for: CONFIGMAP,
    watches: [
      // Its Ready too: an Assistant's Ready follows the Ready of the AIModels it uses.
      {
        gvk: AIMODEL,
        map: onChange(
          aimodels,
          key,
          (m) => `${gen(m)}|${m.status?.conditions?.find((c) => c.type === "Ready")?.status ?? ""}`,
        ),
      },
      { gvk: TENANT, map: onChange(tenants, key, gen) },
      {
        gvk: ASSISTANT,
        map: onChange(
          assistants,
          key,
          (a) =>
            `${gen(a)}|${JSON.stringify(a.status?.activeVariants ?? [])}|${JSON.stringify((a.status?.conditions ?? []).find((c) => c.type === "RolledBack")?.status ?? "")}`,
        ),
      },
      {
        gvk: CHAOSPOLICY,
        map: onChange(chaospolicies, key, (p) => JSON.stringify(p.status?.["activeFaults"] ?? [])),
      },
      { gvk: SECRET, map: referencedSecret },
      { gvk: CONFIGMAP, map: referencedPrompt },
    ],
    maxConcurrentReconciles: 1,
    reconcile: gatewayConfigReconciler({
      client,
      aimodels,
      tenants,
      assistants,
      chaospolicies,
      secrets,
      configmaps,
      values: new ValueReader((gvk, ns, name) => client.get(gvk, ns, name)),
      namespace: opts.namespace,
      options: opts.render,
      ...(opts.libreChat === undefined ? {} : { libreChat: opts.libreChat }),
      now: opts.now ?? (() => new Date()),
    }),
  });
}

export { CONFIGMAP_NAME };
