// Writes each Tenant's LibreChat ConfigMap (issue 16) after the routing config is rendered: the
// models it lists are read from that config, so LibreChat offers exactly what the gateway serves
// the tenant's key. Only Tenants whose API key Secret exists get one (same namespace, which then
// exists). A ConfigMap is written only when its data or annotations differ from what is there
// (values read once per resourceVersion, like the other Secrets and ConfigMaps here).
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import type { ReconcileContext } from "../../operators/runtime/index.ts";
import { CONFIG_MAP } from "../../operators/runtime/core-kinds.ts";
import type { RoutingConfig } from "../../workloads/inference-gateway/src/config/schema.ts";
import { desiredLibreChatConfig, libreChatOpenIDEnv } from "./desired/librechat-config.ts";
import { desiredLibreChatConfigMap, LIBRECHAT_CONFIGMAP } from "./desired/librechat-configmap.ts";
import { TENANT_LABEL } from "./desired/secrets.ts";
import type { GatewayConfigDeps } from "./reconcile.ts";
import { CONTROLLER_NAME } from "./reconcile.ts";

/** Settings of the LibreChat ConfigMaps (operator flags). */
export interface LibreChatOptions {
  /** The gateway's OpenAI base URL as seen from tenant namespaces (ends in /v1). */
  gatewayURL: string;
}

/** The in-cluster URL of the shipped gateway Service (manifests/inference-gateway, port 80). */
export function defaultGatewayURL(namespace: string, clusterDomain: string): string {
  return `http://inference-gateway.${namespace}.svc.${clusterDomain}/v1`;
}

/** The ConfigMap of one Tenant in its first namespace, or undefined when it has none. */
export function libreChatConfigMapOf(
  t: Tenant,
  config: RoutingConfig,
  o: LibreChatOptions,
): V1ConfigMap | undefined {
  const ns = t.spec.namespaces?.items?.[0]?.name;
  if (ns === undefined) return undefined;
  const routed = config.tenants.find((x) => x.id === t.metadata.name);
  const text = desiredLibreChatConfig({ tenant: t, routed, gatewayURL: o.gatewayURL });
  return desiredLibreChatConfigMap(t, ns, text, libreChatOpenIDEnv(t, routed));
}

/** The LibreChat ConfigMap in `ns` as it is: from the cache and its values, else one GET. */
async function current(deps: GatewayConfigDeps, ns: string): Promise<V1ConfigMap | undefined> {
  const cached = deps.configmaps.get(`${ns}/${LIBRECHAT_CONFIGMAP}`);
  // Not in the cache (outside a --namespace scope, or just created): one GET.
  if (cached === undefined)
    return deps.client.get<V1ConfigMap>(CONFIG_MAP, ns, LIBRECHAT_CONFIGMAP);
  const data = (await deps.values.read(CONFIG_MAP, cached))?.data;
  const have: V1ConfigMap = structuredClone(cached);
  if (data !== undefined) have.data = data;
  return have;
}

/** Whether `have` already says what `want` says (data, and the annotations we set). */
export function sameLibreChatConfig(have: V1ConfigMap | undefined, want: V1ConfigMap): boolean {
  if (have === undefined) return false;
  const annotations = have.metadata?.annotations ?? {};
  const sameAnnotations = Object.entries(want.metadata?.annotations ?? {}).every(
    ([k, v]) => annotations[k] === v,
  );
  return sameAnnotations && JSON.stringify(have.data ?? {}) === JSON.stringify(want.data ?? {});
}

/** Applies one Tenant's ConfigMap when it has a first namespace and what is there differs. */
async function applyOne(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  want: V1ConfigMap,
): Promise<void> {
  const ns = want.metadata?.namespace ?? "";
  if (sameLibreChatConfig(await current(deps, ns), want)) return;
  await deps.client.apply(want, { fieldManager: CONTROLLER_NAME, force: true });
  ctx.log.info(
    { tenant: want.metadata?.labels?.[TENANT_LABEL], namespace: ns },
    "Applied LibreChat ConfigMap",
  );
}

/**
 * Applies the LibreChat ConfigMap of every Tenant that has an API key. Every Tenant is tried; the
 * first failure is returned wrapped (to the queue) after the others.
 */
export async function applyLibreChatConfigs(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  config: RoutingConfig,
  withKey: ReadonlyMap<string, string>,
): Promise<void> {
  const o = deps.libreChat;
  if (o === undefined) return;
  let failure: Error | undefined;
  for (const t of deps.tenants.list()) {
    const name = t.metadata.name ?? "";
    if (!withKey.has(name) || t.metadata.deletionTimestamp !== undefined) continue;
    const want = libreChatConfigMapOf(t, config, o);
    if (want === undefined) continue;
    await applyOne(deps, ctx, want).catch((err: unknown) => {
      failure ??= new Error(`applying the LibreChat ConfigMap of Tenant ${name}`, { cause: err });
    });
  }
  if (failure !== undefined) throw failure;
}
