// Gateway-config reconcile: one key (the routing ConfigMap). Reads every AIModel, Tenant,
// Assistant and ChaosPolicy from the caches, makes sure each Tenant has its API key Secret and
// each external AIModel's key is copied for the gateway, renders the routing config, checks it with
// the gateway's validator, writes the ConfigMap only when the content changed (then with the next
// generation), sets the Routed condition on every object whose verdict changed, and writes each
// Tenant's LibreChat ConfigMap from the config just rendered (librechat.ts).
import { randomBytes } from "node:crypto";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { isModelSecret } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type {
  Condition,
  Informer,
  KubernetesObject,
  ReconcileContext,
  ReconcileResult,
} from "../../operators/runtime/index.ts";
import { findCondition, sameCondition, setCondition } from "../../operators/runtime/index.ts";
import { CONFIG_MAP, SECRET } from "../../operators/runtime/core-kinds.ts";
import { decodeConfigFile } from "../../workloads/inference-gateway/src/plugins/config-watcher.ts";
import { validateRoutingConfig } from "../../workloads/inference-gateway/src/config/schema.ts";
import type { RoutingConfig } from "../../workloads/inference-gateway/src/config/schema.ts";
import { assistantReady, READY } from "./assistant-ready.ts";
import { ROUTED, routedCondition, RoutedReason } from "./conditions.ts";
import {
  CONFIG_KEY,
  CONFIGMAP_NAME,
  contentHash,
  desiredConfigMap,
  GENERATION_ANNOTATION,
  HASH_ANNOTATION,
} from "./desired/configmap.ts";
import { credentialKey, renderRouting } from "./desired/routing.ts";
import type { Problem, RenderInput, RenderOptions, SourceKind } from "./desired/routing.ts";
import {
  CREDENTIALS_SECRET,
  desiredCredentialsSecret,
  desiredTenantKeySecret,
  sha256Hex,
  TENANT_KEY_KEY,
  TENANT_KEY_SECRET,
} from "./desired/secrets.ts";
import { applyLibreChatConfigs } from "./librechat.ts";
import type { LibreChatOptions } from "./librechat.ts";
import type { DataMaps, ValueReader } from "./values.ts";

export const CONTROLLER_NAME = "gateway-config";
/**
 * Retry a tenant key Secret that could not be written this soon: its namespace is usually being
 * created by the Tenant controller, and no watch here says when it exists.
 */
export const KEY_RETRY_MS = 5_000;
/** Re-render at least this often (fault expiry, anything a watch missed). */
export const RESYNC_MS = 60_000;

export interface GatewayConfigDeps {
  client: Pick<KubeClient, "apply" | "applyStatus" | "event" | "get">;
  aimodels: Informer<AIModel>;
  tenants: Informer<Tenant>;
  assistants: Informer<Assistant>;
  chaospolicies: Informer<KubernetesObject & { status?: Record<string, unknown> }>;
  secrets: Informer<V1Secret>;
  configmaps: Informer<V1ConfigMap>;
  /** Values of the referenced Secrets and ConfigMaps (the caches hold key names only). */
  values: Pick<ValueReader, "read" | "sweep">;
  namespace: string;
  options: RenderOptions;
  /** Render each Tenant's LibreChat ConfigMap; absent: none (--librechat-config=false). */
  libreChat?: LibreChatOptions;
  now: () => Date;
}

/** The reconcile key: the routing ConfigMap. */
export function routingKey(namespace: string): string {
  return `${namespace}/${CONFIGMAP_NAME}`;
}

/** Every active fault of every ChaosPolicy, as published in its status (validated later). */
function activeFaults(deps: GatewayConfigDeps): unknown[] {
  return deps.chaospolicies.list().flatMap((p) => {
    const f = p.status?.["activeFaults"];
    return Array.isArray(f) ? (f as unknown[]) : [];
  });
}

/** What the renderer reads, with the Secret and ConfigMap values it needs. */
async function gather(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  current: V1ConfigMap | undefined,
  written: Written | undefined,
): Promise<{
  input: RenderInput;
  credentials: Map<string, string>;
  problems: Problem[];
  retryKeys: boolean;
}> {
  const credentials = await credentialValues(deps);
  const keys = await tenantKeys(deps, ctx);
  const previous =
    written !== undefined && current?.metadata?.annotations?.[HASH_ANNOTATION] === written.hash
      ? written.config
      : decodeCurrent(await deps.values.read(CONFIG_MAP, current));
  const prompts = await promptData(deps);
  deps.values.sweep();
  const input: RenderInput = {
    aimodels: deps.aimodels.list(),
    tenants: deps.tenants.list(),
    assistants: deps.assistants.list(),
    activeFaults: activeFaults(deps),
    credentials: new Set(credentials.keys()),
    tenantKeys: keys.hashes,
    prompts,
    previous,
    now: deps.now(),
    generation: generationOf(current),
  };
  return { input, credentials, problems: keys.problems, retryKeys: keys.retry };
}

function generationOf(cm: V1ConfigMap | undefined): number {
  return Number(cm?.metadata?.annotations?.[GENERATION_ANNOTATION] ?? "0") || 0;
}

/**
 * The config this process last wrote, by content hash. While the ConfigMap still carries that hash
 * it is the served config, so the next reconcile takes it from here instead of reading back and
 * re-validating the object it just wrote (one GET of up to 1 MiB, then a parse and a validation,
 * after every write).
 */
interface Written {
  hash: string;
  config: RoutingConfig;
}

/** Writes the ConfigMap when its content changed, with the next generation. */
async function writeConfig(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  config: RoutingConfig,
  current: V1ConfigMap | undefined,
): Promise<Written | undefined> {
  const hash = contentHash(config);
  if (current?.metadata?.annotations?.[HASH_ANNOTATION] === hash) return undefined;
  config.generation = generationOf(current) + 1;
  await deps.client.apply(desiredConfigMap(config, deps.namespace, undefined, hash), {
    fieldManager: CONTROLLER_NAME,
    force: true,
  });
  ctx.log.info(
    {
      generation: config.generation,
      backends: config.backends.length,
      models: config.models.length,
      tenants: config.tenants.length,
      assistants: config.assistants?.length ?? 0,
    },
    "Applied routing ConfigMap",
  );
  return { hash, config };
}

/** Builds the reconcile function. */
export function gatewayConfigReconciler(
  deps: GatewayConfigDeps,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  let written: Written | undefined;
  return async (key, ctx) => {
    if (key !== routingKey(deps.namespace)) return undefined;
    const current = deps.configmaps.get(key);
    const { input, credentials, problems, retryKeys } = await gather(deps, ctx, current, written);
    const result = renderRouting(input, deps.options);
    const config = result.config;
    const check = validateRoutingConfig(JSON.parse(JSON.stringify(config)) as unknown);
    if (!check.ok) {
      // A renderer bug must not take the gateway down: keep the served config, retry with backoff.
      throw new Error(
        `rendering the routing config: invalid result kept from the gateway: ${check.errors.slice(0, 5).join("; ")}`,
      );
    }
    await applyCredentials(deps, credentials, ctx);
    written = (await writeConfig(deps, ctx, config, current)) ?? written;
    await writeConditions(deps, [...result.problems, ...problems], config.generation ?? 0);
    await applyLibreChatConfigs(deps, ctx, config, input.tenantKeys);
    const next = nextDeadline(config, deps.now());
    return { requeueAfterMs: retryKeys ? Math.min(next, KEY_RETRY_MS) : next };
  };
}

function decodeCurrent(cm: DataMaps | undefined): RoutingConfig | undefined {
  const text =
    cm?.data?.[CONFIG_KEY] ??
    (cm?.binaryData?.[CONFIG_KEY] === undefined
      ? undefined
      : decodeConfigFile(Buffer.from(cm.binaryData[CONFIG_KEY], "base64")));
  if (text === undefined) return undefined;
  try {
    const v = validateRoutingConfig(JSON.parse(text) as unknown);
    return v.ok ? v.config : undefined;
  } catch {
    return undefined;
  }
}

/** Only Secrets labelled for model use reach the gateway (the AIModel says SecretNotAllowed). */
function usableSecret(s: V1Secret | undefined): V1Secret | undefined {
  return s !== undefined && isModelSecret(s) ? s : undefined;
}

/** base64 provider key of one external AIModel, when its Secret and key exist. */
async function credentialOf(deps: GatewayConfigDeps, m: AIModel): Promise<string | undefined> {
  const ref = m.spec.external?.credentialsSecretRef;
  if (ref === undefined) return undefined;
  const cached = usableSecret(deps.secrets.get(`${m.metadata.namespace ?? ""}/${ref.name}`));
  if (cached?.data?.[ref.key] === undefined) return undefined;
  const value = (await deps.values.read(SECRET, cached))?.data?.[ref.key];
  return value === "" ? undefined : value;
}

/** base64 provider keys of external AIModels whose Secret and key exist, by AIModel key. */
async function credentialValues(deps: GatewayConfigDeps): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of deps.aimodels.list()) {
    const value = await credentialOf(deps, m);
    if (value !== undefined)
      out.set(`${m.metadata.namespace ?? ""}/${m.metadata.name ?? ""}`, value);
  }
  return out;
}

async function applyCredentials(
  deps: GatewayConfigDeps,
  values: ReadonlyMap<string, string>,
  ctx: ReconcileContext,
): Promise<void> {
  const byFile = new Map<string, string>();
  for (const m of deps.aimodels.list()) {
    const v = values.get(`${m.metadata.namespace ?? ""}/${m.metadata.name ?? ""}`);
    if (v !== undefined) byFile.set(credentialKey(m), v);
  }
  const want = desiredCredentialsSecret(deps.namespace, byFile);
  const cached = deps.secrets.get(`${deps.namespace}/${CREDENTIALS_SECRET}`);
  const have = await deps.values.read(SECRET, cached);
  if (have !== undefined && JSON.stringify(have.data ?? {}) === JSON.stringify(want.data ?? {}))
    return;
  await deps.client.apply(want, { fieldManager: CONTROLLER_NAME, force: true });
  ctx.log.info({ keys: byFile.size }, "Applied gateway credentials Secret");
}

function keyPending(name: string, message: string): Problem {
  return {
    kind: "Tenant",
    key: name,
    blocking: false,
    reason: RoutedReason.ApiKeyPending,
    message,
  };
}

/**
 * The tenant's existing API key (base64): from the cache, else a GET (the cache may not have seen
 * a Secret created moments ago, which must not be replaced by a new key).
 */
async function existingKey(deps: GatewayConfigDeps, ns: string): Promise<string | undefined> {
  const cached = deps.secrets.get(`${ns}/${TENANT_KEY_SECRET}`);
  if (cached?.data?.[TENANT_KEY_KEY] !== undefined)
    return (await deps.values.read(SECRET, cached))?.data?.[TENANT_KEY_KEY];
  const live = await deps.client.get<V1Secret>(SECRET, ns, TENANT_KEY_SECRET);
  return live?.data?.[TENANT_KEY_KEY];
}

/**
 * The sha256 of a Tenant's API key, generating its Secret in the first namespace when missing and
 * copying it into the others; or why there is none. Problems that do not stop routing (a copy not
 * made yet) go to `notes`.
 */
async function tenantKey(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  t: Tenant,
  out: { notes: Problem[]; retry: boolean },
): Promise<string | Problem> {
  const name = t.metadata.name ?? "";
  const [ns, ...others] = (t.spec.namespaces?.items ?? []).map((i) => i.name);
  if (ns === undefined)
    return keyPending(
      name,
      "No API key: the Tenant has no namespace to hold it (spec.namespaces.items); OIDC tokens only",
    );
  const owner = { name, uid: t.metadata.uid ?? "" };
  let keyBase64: string;
  try {
    const existing = await existingKey(deps, ns);
    if (existing !== undefined) keyBase64 = existing;
    else {
      keyBase64 = Buffer.from(`sk-lc-${randomBytes(24).toString("base64url")}`).toString("base64");
      await deps.client.apply(desiredTenantKeySecret(owner, ns, keyBase64), {
        fieldManager: CONTROLLER_NAME,
        force: true,
      });
      ctx.log.info({ tenant: name, namespace: ns }, "Created tenant API key Secret");
    }
  } catch (err) {
    // Usually the namespace does not exist yet (the Tenant controller creates it): retry soon.
    out.retry = true;
    return keyPending(
      name,
      `API key Secret ${ns}/${TENANT_KEY_SECRET} not created yet: ${(err as Error).message.slice(0, 200)}`,
    );
  }
  const missing = await copyKey(deps, ctx, { owner, namespaces: others, keyBase64 });
  if (missing.length > 0) {
    out.retry = true;
    out.notes.push(
      keyPending(
        name,
        `API key copied to ${String(others.length - missing.length)} of ${String(others.length)} other namespaces; not yet to ${missing.join(", ")}`,
      ),
    );
  }
  return sha256Hex(Buffer.from(keyBase64, "base64").toString("utf8"));
}

/**
 * Puts the key into each of `namespaces` where it is absent or differs (after a rotation in the
 * first namespace), so a workload in any of the Tenant's namespaces (a ChatRegion fleet) can use
 * it. Returns the namespaces it could not write yet (not created yet; retried on the next pass).
 */
async function copyKey(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
  copy: { owner: { name: string; uid: string }; namespaces: readonly string[]; keyBase64: string },
): Promise<string[]> {
  const { owner, namespaces, keyBase64 } = copy;
  const missing: string[] = [];
  for (const ns of namespaces) {
    const cached = deps.secrets.get(`${ns}/${TENANT_KEY_SECRET}`);
    const have =
      cached?.data?.[TENANT_KEY_KEY] === undefined
        ? undefined
        : (await deps.values.read(SECRET, cached))?.data?.[TENANT_KEY_KEY];
    if (have === keyBase64) continue;
    try {
      await deps.client.apply(desiredTenantKeySecret(owner, ns, keyBase64), {
        fieldManager: CONTROLLER_NAME,
        force: true,
      });
      ctx.log.info({ tenant: owner.name, namespace: ns }, "Copied tenant API key Secret");
    } catch {
      missing.push(ns);
    }
  }
  return missing;
}

/** The API key hash of every Tenant, generating the key Secret where it is missing. */
async function tenantKeys(
  deps: GatewayConfigDeps,
  ctx: ReconcileContext,
): Promise<{ hashes: Map<string, string>; problems: Problem[]; retry: boolean }> {
  const hashes = new Map<string, string>();
  const problems: Problem[] = [];
  const out = { notes: problems, retry: false };
  for (const t of deps.tenants.list()) {
    const r = await tenantKey(deps, ctx, t, out);
    if (typeof r === "string") hashes.set(t.metadata.name ?? "", r);
    else problems.push(r);
  }
  return { hashes, problems, retry: out.retry };
}

async function promptData(deps: GatewayConfigDeps): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const a of deps.assistants.list()) {
    for (const v of a.spec.versions) {
      if (v.promptRef === undefined) continue;
      const k = `${a.metadata.namespace ?? ""}/${v.promptRef.name}`;
      if (out.has(k)) continue;
      const data = (await deps.values.read(CONFIG_MAP, deps.configmaps.get(k)))?.data;
      if (data !== undefined) out.set(k, data);
    }
  }
  return out;
}

interface Target {
  kind: SourceKind;
  key: string;
  obj: AIModel | Tenant | Assistant;
}

function targets(deps: GatewayConfigDeps): Target[] {
  const k = (o: KubernetesObject): string =>
    o.metadata?.namespace === undefined
      ? (o.metadata?.name ?? "")
      : `${o.metadata.namespace}/${o.metadata.name ?? ""}`;
  return [
    ...deps.aimodels.list().map((obj) => ({ kind: "AIModel" as const, key: k(obj), obj })),
    ...deps.tenants.list().map((obj) => ({ kind: "Tenant" as const, key: k(obj), obj })),
    ...deps.assistants.list().map((obj) => ({ kind: "Assistant" as const, key: k(obj), obj })),
  ];
}

/** The generation in a True message changes with every config write; only verdicts count. */
function sameVerdict(
  have: Condition | undefined,
  want: Omit<Condition, "lastTransitionTime">,
): boolean {
  return sameCondition(have, want, want.reason === RoutedReason.Routed);
}

/** Problems grouped by object ("<kind>:<key>"). */
function groupProblems(problems: readonly Problem[]): Map<string, Problem[]> {
  const byObject = new Map<string, Problem[]>();
  for (const p of problems) {
    const id = `${p.kind}:${p.key}`;
    byObject.set(id, [...(byObject.get(id) ?? []), p]);
  }
  return byObject;
}

/**
 * Server-side applies the Routed condition alone under this controller's field manager: the
 * conditions list is a map keyed by type, so the kinds' own controllers keep theirs.
 */
async function applyRouted(deps: GatewayConfigDeps, t: Target, next: Condition[]): Promise<void> {
  const { name = "", namespace } = t.obj.metadata;
  await deps.client.applyStatus(
    {
      apiVersion: t.obj.apiVersion,
      kind: t.obj.kind,
      metadata: namespace === undefined ? { name } : { name, namespace },
      status: { conditions: next },
    },
    { fieldManager: CONTROLLER_NAME },
  );
}

/** Sets Routed where its status, reason or message changed (one status write per such object). */
async function writeConditions(
  deps: GatewayConfigDeps,
  problems: readonly Problem[],
  configGeneration: number,
): Promise<void> {
  const byObject = groupProblems(problems);
  for (const t of targets(deps)) {
    if (t.obj.metadata.deletionTimestamp !== undefined) continue;
    const mine = byObject.get(`${t.kind}:${t.key}`) ?? [];
    const want = routedCondition(mine, t.obj.metadata.generation ?? 0, configGeneration);
    const next = nextConditions(deps, t, want);
    if (next !== undefined) await applyRouted(deps, t, next);
  }
}

/**
 * The conditions this controller owns on `t` (Routed; Ready too on Assistants, which this
 * controller routes), or undefined when none changed its verdict.
 */
function nextConditions(
  deps: GatewayConfigDeps,
  t: Target,
  want: Omit<Condition, "lastTransitionTime">,
): Condition[] | undefined {
  const conds = (t.obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  const have = findCondition(conds, ROUTED);
  const routed = setCondition(have === undefined ? [] : [have], want, deps.now());
  if (t.kind !== "Assistant") return sameVerdict(have, want) ? undefined : routed;
  const ready = assistantReadyFor(deps, t.obj as Assistant, want);
  const haveReady = findCondition(conds, READY);
  if (sameVerdict(have, want) && sameCondition(haveReady, ready)) return undefined;
  return setCondition(haveReady === undefined ? routed : [...routed, haveReady], ready, deps.now());
}

function assistantReadyFor(
  deps: GatewayConfigDeps,
  a: Assistant,
  routed: Omit<Condition, "lastTransitionTime">,
): Omit<Condition, "lastTransitionTime"> {
  const ns = a.metadata.namespace ?? "";
  return assistantReady(a, routed, (name) => deps.aimodels.get(`${ns}/${name}`));
}

/** Milliseconds until the next fault expiry (so it leaves the config), at most RESYNC_MS. */
export function nextDeadline(config: RoutingConfig, now: Date): number {
  let ms = RESYNC_MS;
  for (const f of config.faults ?? []) {
    const left = Date.parse(f.expiresAt ?? "") - now.getTime();
    if (Number.isFinite(left) && left > 0) ms = Math.min(ms, left + 50);
  }
  return ms;
}
