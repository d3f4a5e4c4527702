// Tenant reconcile: Kubernetes side from the caches (plan, apply, delete), then the Keycloak side
// when it is due (see schedule.ts), then status once if it changed. Deletion runs the finalizer:
// Delete removes the realm and the namespaces, Retain orphans them and says so in an Event.
import type {
  KubernetesObject as K8sObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ResourceQuota,
  V1RoleBinding,
  V1Secret,
} from "@kubernetes/client-node";
import type { Tenant, TenantIdentity } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_GVK } from "../../crds/tenant/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { isTransientKeycloakError } from "../../operators/clients/keycloak.ts";
import type { Informer, ReconcileContext, ReconcileResult } from "../../operators/runtime/index.ts";
import { KubeApiError } from "../../operators/runtime/index.ts";
import type { ChildApply, ChildPlan } from "../shared/plan.ts";
import { controllerOf } from "../shared/plan.ts";
import { sameOwnedFields } from "../shared/stable.ts";
import { labelValue } from "../shared/labels.ts";
import { namespaceNames, tenantChildLabels, tenantOwnerRef } from "./desired/common.ts";
import { desiredChildren } from "./desired/index.ts";
import { QUOTA_NAME } from "./desired/resourcequota.ts";
import { NAMESPACE, SECRET } from "./gvks.ts";
import { RealmForbiddenError } from "./keycloak/api.ts";
import type { KeycloakConnection, KeycloakConnector } from "./keycloak/connector.ts";
import type { DesiredRealm, ResolvedSecrets } from "./keycloak/desired.ts";
import { desiredRealm } from "./keycloak/desired.ts";
import { syncRealm } from "./keycloak/sync.ts";
import { claimedNamespace, planTenantChildren } from "./plan.ts";
import { sumResourceLists } from "./quantity.ts";
import { IdentitySchedule } from "./schedule.ts";
import type { IdentityResult, StatusInputs } from "./status.ts";
import { computeStatus } from "./status.ts";

export const CONTROLLER_NAME = "tenant";
export const FINALIZER = "librechat.io/tenant-cleanup";

export interface TenantConfig {
  /** Keycloak used when a Tenant does not name one. */
  keycloakUrl: string | undefined;
  /** Namespace of the operator (generated client secrets without a secretRef go here). */
  operatorNamespace: string;
  /** How long a Delete finalizer waits for an unreachable Keycloak before giving up on the realm. */
  deletionTimeoutMs: number;
  /** Audience every declared client's access tokens carry ("" for none). */
  tokenAudience: string;
}

export interface TenantDeps {
  client: Pick<
    KubeClient,
    "apply" | "applyStatus" | "delete" | "event" | "get" | "addFinalizer" | "removeFinalizer"
  >;
  tenants: Informer<Tenant>;
  namespaces: Informer<V1Namespace>;
  quotas: Informer<V1ResourceQuota>;
  limitRanges: Informer<V1LimitRange>;
  networkPolicies: Informer<V1NetworkPolicy>;
  roleBindings: Informer<V1RoleBinding>;
  clusterRoles: Informer<V1ClusterRole>;
  clusterRoleBindings: Informer<V1ClusterRoleBinding>;
  keycloak: KeycloakConnector;
  config: TenantConfig;
  now: () => Date;
  schedule?: TenantSchedule;
}

interface ChildrenResult {
  namespacesReady: StatusInputs["namespacesReady"];
  conflicts: string[];
  applyError: string | undefined;
  quota: StatusInputs["quota"];
}

interface IdentityOutcome {
  result: IdentityResult;
  clientSecrets: NonNullable<StatusInputs["clientSecrets"]>;
  error?: unknown;
}

/** What the schedule remembers of an identity pass (without its error). */
type RememberedIdentity = Pick<IdentityOutcome, "result" | "clientSecrets">;
type TenantSchedule = IdentitySchedule<RememberedIdentity>;

const uidOf = (t: Tenant): string => t.metadata.uid ?? "";
const nameOf = (o: K8sObject): string => o.metadata?.name ?? "";

/** Builds the reconcile function of the Tenant controller. */
export function tenantReconciler(
  deps: TenantDeps,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  const schedule: TenantSchedule = deps.schedule ?? new IdentitySchedule();
  return async (key, ctx) => {
    const t = deps.tenants.get(key);
    if (t === undefined) return undefined;
    if (t.metadata.deletionTimestamp !== undefined) {
      await finalize(deps, t, ctx);
      schedule.forget(uidOf(t));
      return undefined;
    }
    return reconcileLive(deps, schedule, t, ctx);
  };
}

/** A Tenant that is not being deleted: children, then identity, then status and events. */
async function reconcileLive(
  deps: TenantDeps,
  schedule: TenantSchedule,
  t: Tenant,
  ctx: ReconcileContext,
): Promise<ReconcileResult | undefined> {
  const key = t.metadata.name ?? "";
  if (t.metadata.finalizers?.includes(FINALIZER) !== true)
    await deps.client.addFinalizer(t, FINALIZER, CONTROLLER_NAME);
  const children = await reconcileChildren(deps, t, ctx);
  const identity = await reconcileIdentity(deps, schedule, t, ctx);
  await writeStatus(deps, t, {
    tenant: t,
    ...children,
    identity: identity.result,
    clientSecrets: identity.clientSecrets,
  });
  if (children.conflicts.length > 0) {
    await deps.client.event(
      t,
      { type: "Warning", reason: "NamespaceConflict", message: children.conflicts.join("; ") },
      CONTROLLER_NAME,
    );
  }
  if (identity.error !== undefined)
    throw new Error(`reconciling Tenant ${key}: syncing the Keycloak realm`, {
      cause: identity.error,
    });
  if (children.applyError !== undefined)
    throw new Error(`reconciling Tenant ${key}: ${children.applyError}`);
  const id = t.spec.identity;
  if (id === undefined) return undefined;
  return {
    requeueAfterMs: schedule.dueInMs(
      uidOf(t),
      id.sync?.resyncInterval ?? "5m",
      deps.now().getTime(),
    ),
  };
}

/** Cached objects that could belong to or collide with the Tenant's children. */
function observedChildren(deps: TenantDeps, t: Tenant): K8sObject[] {
  const uid = uidOf(t);
  const mine = (o: K8sObject): boolean => controllerOf(o)?.uid === uid;
  const declared = namespaceNames(t);
  const owned = deps.namespaces.list().filter(mine);
  const nsNames = [...new Set([...declared, ...owned.map((n) => n.metadata?.name ?? "")])];
  const out: K8sObject[] = [...owned];
  for (const n of declared) {
    const ns = deps.namespaces.get(n);
    if (ns !== undefined && !mine(ns)) out.push(ns);
  }
  for (const ns of nsNames) {
    for (const inf of [
      deps.quotas,
      deps.limitRanges,
      deps.networkPolicies,
      deps.roleBindings,
    ] as Informer<K8sObject>[])
      out.push(...inf.list(ns));
  }
  out.push(
    ...deps.clusterRoles.list().filter(mine),
    ...deps.clusterRoleBindings.list().filter(mine),
  );
  return out;
}

/** Names of declared namespaces held by someone else: never adopted, nothing written into them. */
function conflictingNamespaces(
  t: Tenant,
  desired: readonly K8sObject[],
  observed: readonly K8sObject[],
): Set<string> {
  const declared = namespaceNames(t);
  const foreign = observed.filter((o) => {
    const name = o.metadata?.name ?? "";
    const d = desired.find((x) => x.metadata?.name === name);
    return (
      o.kind === "Namespace" &&
      controllerOf(o)?.uid !== uidOf(t) &&
      declared.includes(name) &&
      !(d !== undefined && claimedNamespace(d, o))
    );
  });
  return new Set(foreign.map((o) => o.metadata?.name ?? ""));
}

/** Server-side applies one child unless it lives in a foreign namespace; true when applied. */
async function applyChild(
  deps: TenantDeps,
  obj: K8sObject,
  conflictNs: ReadonlySet<string>,
  ctx: ReconcileContext,
): Promise<boolean> {
  const ns = obj.metadata?.namespace;
  if (ns !== undefined && conflictNs.has(ns)) return false;
  await deps.client.apply(obj, { fieldManager: CONTROLLER_NAME, force: true });
  ctx.log.info(
    { kind: obj.kind, name: obj.metadata?.name, namespace: ns },
    `Applied ${obj.kind ?? "object"}`,
  );
  return true;
}

/** Applies (namespaces first, never into a foreign namespace) and deletes; returns the namespaces applied. */
async function executePlan(
  deps: TenantDeps,
  plan: ChildPlan,
  conflictNs: ReadonlySet<string>,
  ctx: ReconcileContext,
): Promise<Set<string>> {
  const applied = new Set<string>();
  const isNs = (a: ChildApply): boolean => a.gvk.kind === NAMESPACE.kind;
  for (const { object, reason } of plan.apply.filter(isNs)) {
    if (!(await applyChild(deps, object, conflictNs, ctx))) continue;
    applied.add(nameOf(object));
    if (reason === "Adopted")
      ctx.log.info({ name: nameOf(object) }, "Adopted Namespace claimed by the tenant label");
  }
  for (const { object } of plan.apply.filter((a) => !isNs(a)))
    await applyChild(deps, object, conflictNs, ctx);
  for (const d of plan.delete) {
    await deps.client.delete(d.gvk, d.namespace, d.name, {
      preconditionUid: d.uid,
      propagationPolicy: "Background",
    });
    ctx.log.info(
      { kind: d.gvk.kind, name: d.name, namespace: d.namespace },
      `Deleted ${d.gvk.kind}`,
    );
  }
  return applied;
}

interface NamespaceFacts {
  applied: ReadonlySet<string>;
  conflictNs: ReadonlySet<string>;
  applyError: string | undefined;
}

/** Ready state of each declared namespace: ours (just applied or cached), not terminating, no conflict, no failure. */
function namespaceStates(
  deps: TenantDeps,
  t: Tenant,
  f: NamespaceFacts,
): StatusInputs["namespacesReady"] {
  const usable = (name: string, ns: V1Namespace | undefined): boolean => {
    const exists = f.applied.has(name) || (ns !== undefined && controllerOf(ns)?.uid === uidOf(t));
    return exists && ns?.status?.phase !== "Terminating" && !f.conflictNs.has(name);
  };
  return namespaceNames(t).map((name) => {
    const ns = deps.namespaces.get(name);
    return { name, uid: ns?.metadata?.uid, ready: usable(name, ns) && f.applyError === undefined };
  });
}

/** Tenant-wide quota: hard and used summed over the quotas of its own namespaces. */
function tenantQuota(
  deps: TenantDeps,
  t: Tenant,
  conflictNs: ReadonlySet<string>,
): StatusInputs["quota"] {
  if (t.spec.quota?.perNamespace === undefined) return undefined;
  const quotas = namespaceNames(t)
    .filter((n) => !conflictNs.has(n))
    .map((n) => deps.quotas.get(`${n}/${QUOTA_NAME}`))
    .filter((q): q is V1ResourceQuota => q !== undefined);
  return {
    hard: sumResourceLists(quotas.map((q) => q.status?.hard)),
    used: sumResourceLists(quotas.map((q) => q.status?.used)),
  };
}

async function reconcileChildren(
  deps: TenantDeps,
  t: Tenant,
  ctx: ReconcileContext,
): Promise<ChildrenResult> {
  const desired = desiredChildren(t);
  const observed = observedChildren(deps, t);
  const plan = planTenantChildren(uidOf(t), [...desired.namespaces, ...desired.others], observed);
  const conflictNs = conflictingNamespaces(t, desired.namespaces, observed);
  const conflicts = [...conflictNs].map(
    (n) =>
      `Namespace ${n} already exists and is not owned by Tenant ${t.metadata.name ?? ""}; it is not adopted`,
  );
  let applyError: string | undefined;
  let applied = new Set<string>();
  try {
    applied = await executePlan(deps, plan, conflictNs, ctx);
  } catch (err) {
    applyError = `Applying children failed: ${errorText(err)}`;
    ctx.log.error({ err: errorText(err) }, "Failed to apply Tenant children");
  }
  const namespacesReady = namespaceStates(deps, t, { applied, conflictNs, applyError });
  return { namespacesReady, conflicts, applyError, quota: tenantQuota(deps, t, conflictNs) };
}

/** Reads one key of a Secret by a direct GET (the Secret cache holds no values). */
async function secretValue(
  deps: TenantDeps,
  ref: { name: string; namespace: string; key: string },
): Promise<string | undefined> {
  const s = await deps.client.get<V1Secret>(SECRET, ref.namespace, ref.name);
  const b64 = s?.data?.[ref.key];
  return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
}

const refText = (r: { name: string; namespace: string; key: string }): string =>
  `Secret ${r.namespace}/${r.name} key ${r.key}`;

/** Secret values of the identity providers; a message naming the first missing one. */
async function idpSecrets(
  deps: TenantDeps,
  id: TenantIdentity,
): Promise<Record<string, string | undefined> | string> {
  const idps: Record<string, string | undefined> = {};
  for (const p of id.identityProviders ?? []) {
    const v = await secretValue(deps, p.clientSecretRef);
    if (v === undefined)
      return `${refText(p.clientSecretRef)} (identity provider ${p.alias}) not found`;
    idps[p.alias] = v;
  }
  return idps;
}

/** Secret values for the realm; a message naming the first missing required one. */
async function resolveSecrets(
  deps: TenantDeps,
  id: TenantIdentity,
): Promise<ResolvedSecrets | string> {
  const clients: Record<string, string | undefined> = {};
  for (const c of id.clients ?? [])
    if (c.secretRef !== undefined) clients[c.clientId] = await secretValue(deps, c.secretRef);
  const idps = await idpSecrets(deps, id);
  if (typeof idps === "string") return idps;
  const smtpRef = id.realm.smtp?.passwordSecretRef;
  if (smtpRef === undefined) return { clients, idps, smtpPassword: undefined };
  const smtpPassword = await secretValue(deps, smtpRef);
  if (smtpPassword === undefined) return `${refText(smtpRef)} (SMTP password) not found`;
  return { clients, idps, smtpPassword };
}

interface Prepared {
  conn: KeycloakConnection;
  desired: DesiredRealm;
}

/** Credentials, secret values and the desired realm; a credentials-missing result when one is absent. */
async function prepareIdentity(
  deps: TenantDeps,
  t: Tenant,
  id: TenantIdentity,
): Promise<Prepared | IdentityResult> {
  const credentials = await secretValue(deps, id.keycloak.credentialsSecretRef);
  if (credentials === undefined) {
    return {
      kind: "credentials-missing",
      message: `${refText(id.keycloak.credentialsSecretRef)} (Keycloak client ${id.keycloak.clientId}) not found`,
    };
  }
  const secrets = await resolveSecrets(deps, id);
  if (typeof secrets === "string") return { kind: "credentials-missing", message: secrets };
  const url = id.keycloak.url ?? deps.config.keycloakUrl;
  if (url === undefined)
    return {
      kind: "error",
      message: "no Keycloak URL: set spec.identity.keycloak.url or the operator's --keycloak-url",
    };
  const desired = desiredRealm(t, secrets, { tokenAudience: deps.config.tokenAudience });
  if (desired === undefined) return { kind: "not-configured" };
  return {
    conn: deps.keycloak({ url, clientId: id.keycloak.clientId, clientSecret: credentials }),
    desired,
  };
}

/** One identity pass when it is due: prepare, sync, and record success or failure in the schedule. */
async function reconcileIdentity(
  deps: TenantDeps,
  schedule: TenantSchedule,
  t: Tenant,
  ctx: ReconcileContext,
): Promise<IdentityOutcome> {
  const id = t.spec.identity;
  if (id === undefined) return { result: { kind: "not-configured" }, clientSecrets: [] };
  const nowMs = deps.now().getTime();
  if (!schedule.due(uidOf(t), t.metadata.generation ?? 0, id.sync?.resyncInterval ?? "5m", nowMs))
    return notDue(schedule, t);
  let outcome: IdentityOutcome;
  try {
    outcome = await identityPass(deps, schedule, { t, id, nowMs }, ctx);
  } catch (err) {
    outcome = identityFailed(schedule, { t, nowMs }, err, ctx);
  }
  schedule.remember(uidOf(t), { result: outcome.result, clientSecrets: outcome.clientSecrets });
  return outcome;
}

/**
 * No pass due: report the last pass of this process again (never its error: that was returned
 * once and is being backed off). After a restart, keep what the Tenant's status says.
 */
function notDue(schedule: TenantSchedule, t: Tenant): IdentityOutcome {
  const last = schedule.last(uidOf(t));
  if (last !== undefined) return { result: last.result, clientSecrets: last.clientSecrets };
  return { result: { kind: "skipped" }, clientSecrets: t.status?.identity?.clientSecrets ?? [] };
}

/** Prepares (credentials, secrets, desired realm) and syncs; a missing input counts as a failure for the backoff. */
async function identityPass(
  deps: TenantDeps,
  schedule: TenantSchedule,
  job: { t: Tenant; id: TenantIdentity; nowMs: number },
  ctx: ReconcileContext,
): Promise<IdentityOutcome> {
  const { t, id, nowMs } = job;
  const prepared = await prepareIdentity(deps, t, id);
  if (!("conn" in prepared)) {
    schedule.failed(uidOf(t), nowMs);
    return { result: prepared, clientSecrets: [] };
  }
  const outcome = await runSync(deps, schedule, { t, id, p: prepared });
  schedule.succeeded(uidOf(t), t.metadata.generation ?? 0, nowMs);
  if (outcome.result.kind === "synced")
    ctx.log.info(
      { realm: id.realm.name, drift: outcome.result.drift.length },
      "Synced Keycloak realm",
    );
  return outcome;
}

/** A failed pass: a refused realm waits for the next spec change or resync, anything else backs off. */
function identityFailed(
  schedule: TenantSchedule,
  at: { t: Tenant; nowMs: number },
  err: unknown,
  ctx: ReconcileContext,
): IdentityOutcome {
  const { t, nowMs } = at;
  const uid = uidOf(t);
  if (err instanceof RealmForbiddenError) {
    schedule.succeeded(uid, t.metadata.generation ?? 0, nowMs);
    return { result: { kind: "refused", message: err.message }, clientSecrets: [] };
  }
  schedule.failed(uid, nowMs);
  const message = errorText(err);
  ctx.log.warn(
    { realm: t.spec.identity?.realm.name, err: message },
    "Failed to sync Keycloak realm",
  );
  return {
    result: { kind: isTransientKeycloakError(err) ? "unreachable" : "error", message },
    clientSecrets: [],
    error: err,
  };
}

interface SyncJob {
  t: Tenant;
  id: TenantIdentity;
  p: Prepared;
}

/** Syncs the realm, stores generated client secrets and reports drift. */
async function runSync(
  deps: TenantDeps,
  schedule: TenantSchedule,
  job: SyncJob,
): Promise<IdentityOutcome> {
  const { t, id, p } = job;
  const uid = uidOf(t);
  const isResync = schedule.syncedGeneration(uid) === (t.metadata.generation ?? 0);
  const mode = id.sync?.mode ?? "Enforce";
  const outcome = await syncRealm(p.conn.api, p.desired, {
    mode,
    adoptExisting: id.sync?.adoptExisting ?? false,
    tenant: t.metadata.name ?? "",
    memory: schedule.memory(uid),
  });
  if (outcome.refused !== undefined) {
    await deps.client.event(
      t,
      { type: "Warning", reason: "RealmRefused", message: outcome.refused.message },
      CONTROLLER_NAME,
    );
    return { result: { kind: "refused", message: outcome.refused.message }, clientSecrets: [] };
  }
  const clientSecrets = await storeGeneratedSecrets(deps, job, outcome.state?.clientSecrets ?? {});
  const realm = p.desired.name;
  await reportSync(deps, t, {
    realm,
    mode,
    drift: outcome.drift,
    writes: outcome.writes,
    isResync,
  });
  return {
    result: {
      kind: "synced",
      mode,
      drift: outcome.drift,
      driftIsChange: isResync,
      realm,
      at: deps
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z"),
    },
    clientSecrets,
  };
}

/** Stores the secrets Keycloak generated for confidential clients without a declared value. */
async function storeGeneratedSecrets(
  deps: TenantDeps,
  job: SyncJob,
  generated: Readonly<Record<string, string | undefined>>,
): Promise<IdentityOutcome["clientSecrets"]> {
  const out: IdentityOutcome["clientSecrets"] = [];
  for (const c of job.p.desired.clients) {
    const value = c.confidential && c.secret === undefined ? generated[c.clientId] : undefined;
    if (value !== undefined) out.push(await storeGeneratedSecret(deps, job, c.clientId, value));
  }
  return out;
}

/** Events for a sync: drift reverted / observed on a resync, changes applied after a spec change. */
async function reportSync(
  deps: TenantDeps,
  t: Tenant,
  r: { realm: string; mode: string; drift: string[]; writes: number; isResync: boolean },
): Promise<void> {
  if (r.drift.length === 0) return;
  const fields = r.drift.slice(0, 30).join(", ");
  if (r.mode === "Observe") {
    await deps.client.event(
      t,
      {
        type: "Warning",
        reason: "DriftDetected",
        message: `Realm ${r.realm} differs from the spec (not changed, Observe mode): ${fields}`,
      },
      CONTROLLER_NAME,
    );
  } else if (r.isResync) {
    await deps.client.event(
      t,
      {
        type: "Warning",
        reason: "DriftReverted",
        message: `Reverted changes made outside the Tenant in realm ${r.realm}: ${fields}`,
      },
      CONTROLLER_NAME,
    );
  } else if (r.writes > 0) {
    await deps.client.event(
      t,
      {
        type: "Normal",
        reason: "RealmSynced",
        message: `Applied the spec to realm ${r.realm} (${r.writes} admin call(s)): ${fields}`,
      },
      CONTROLLER_NAME,
    );
  }
}

/** Where a client's generated secret goes: its secretRef, else <tenant>-<clientId>-oidc in the operator namespace. */
function generatedSecretRef(
  deps: TenantDeps,
  job: Pick<SyncJob, "t" | "id">,
  clientId: string,
): { name: string; namespace: string; key: string } {
  const declared = job.id.clients?.find((c) => c.clientId === clientId)?.secretRef;
  return (
    declared ?? {
      name: labelValue(`${job.t.metadata.name ?? ""}-${clientId}-oidc`.toLowerCase()),
      namespace: deps.config.operatorNamespace,
      key: "client-secret",
    }
  );
}

/** Writes a Keycloak-generated client secret to its Secret; returns where it went (no value). */
async function storeGeneratedSecret(
  deps: TenantDeps,
  job: Pick<SyncJob, "t" | "id">,
  clientId: string,
  value: string,
): Promise<IdentityOutcome["clientSecrets"][number]> {
  const { t } = job;
  const ref = generatedSecretRef(deps, job, clientId);
  const b64 = Buffer.from(value).toString("base64");
  const existing = await deps.client.get<V1Secret>(SECRET, ref.namespace, ref.name);
  if (existing?.data?.[ref.key] === b64) return { clientId, secretRef: ref };
  // Labels and owner only on a Secret we create or already own; a user's Secret just gets the key.
  const ours = existing === undefined || controllerOf(existing)?.uid === uidOf(t);
  const meta = ours
    ? { labels: tenantChildLabels(t, "client-secret"), ownerReferences: [tenantOwnerRef(t)] }
    : {};
  await deps.client.apply(
    {
      apiVersion: SECRET.apiVersion,
      kind: SECRET.kind,
      metadata: { name: ref.name, namespace: ref.namespace, ...meta },
      type: "Opaque",
      data: { [ref.key]: b64 },
    },
    { fieldManager: CONTROLLER_NAME, force: true },
  );
  return { clientId, secretRef: ref };
}

async function writeStatus(deps: TenantDeps, t: Tenant, inputs: StatusInputs): Promise<void> {
  const status = computeStatus(inputs, deps.now());
  if (sameOwnedFields(status, t.status)) return;
  await deps.client.applyStatus(
    {
      apiVersion: TENANT_GVK.apiVersion,
      kind: TENANT_GVK.kind,
      metadata: { name: t.metadata.name ?? "" },
      status,
    },
    { fieldManager: CONTROLLER_NAME },
  );
}

const listText = (
  owned: readonly V1Namespace[],
  realm: string | undefined,
  realmWord: string,
): string =>
  [
    owned.length > 0 ? `namespaces ${owned.map((n) => n.metadata?.name ?? "").join(", ")}` : "",
    realm !== undefined ? `${realmWord} ${realm}` : "",
  ]
    .filter((x) => x !== "")
    .join(" and ") || "nothing";

/** Finalizer: Delete removes realm and namespaces; Retain orphans them. Gives up on Keycloak after the timeout. */
async function finalize(deps: TenantDeps, t: Tenant, ctx: ReconcileContext): Promise<void> {
  if (t.metadata.finalizers?.includes(FINALIZER) !== true) return;
  const owned = deps.namespaces.list().filter((n) => controllerOf(n)?.uid === uidOf(t));
  const realm = t.spec.identity?.realm.name;
  if (t.spec.deletionPolicy === "Delete") {
    if (!(await deleteAll(deps, t, owned, ctx))) return;
  } else {
    await orphanNamespaces(deps, t, owned);
    await deps.client.event(
      t,
      {
        type: "Normal",
        reason: "Retained",
        message: `Kept ${listText(owned, realm, "Keycloak realm")} (deletionPolicy Retain)`,
      },
      CONTROLLER_NAME,
    );
  }
  await deps.client.removeFinalizer(t, FINALIZER);
  ctx.log.info({ name: t.metadata.name, policy: t.spec.deletionPolicy }, "Finalized Tenant");
}

/** deletionPolicy Delete: the realm first (false while waiting for Keycloak), then the namespaces. */
async function deleteAll(
  deps: TenantDeps,
  t: Tenant,
  owned: readonly V1Namespace[],
  ctx: ReconcileContext,
): Promise<boolean> {
  const realm = t.spec.identity?.realm.name;
  if (realm !== undefined && !(await deleteRealm(deps, t, realm, ctx))) return false;
  for (const n of owned)
    await deps.client.delete(NAMESPACE, undefined, n.metadata?.name ?? "", {
      preconditionUid: n.metadata?.uid ?? "",
      propagationPolicy: "Background",
    });
  await deps.client.event(
    t,
    {
      type: "Normal",
      reason: "Deleted",
      message: `Deleted ${listText(owned, realm, "realm")} (deletionPolicy Delete)`,
    },
    CONTROLLER_NAME,
  );
  return true;
}

/**
 * Re-applies each namespace with only its declared labels, which drops our owner reference and
 * the tenant label (fields this manager owned); the garbage collector then leaves it alone.
 */
async function orphanNamespaces(
  deps: TenantDeps,
  t: Tenant,
  owned: readonly V1Namespace[],
): Promise<void> {
  for (const n of owned) {
    const name = n.metadata?.name ?? "";
    const labels = t.spec.namespaces?.items?.find((i) => i.name === name)?.labels;
    await deps.client.apply(
      {
        apiVersion: NAMESPACE.apiVersion,
        kind: NAMESPACE.kind,
        metadata: { name, ...(labels !== undefined ? { labels } : {}) },
      },
      { fieldManager: CONTROLLER_NAME, force: true },
    );
  }
}

/** True when the realm is gone (or we gave up after the timeout); throws to wait and retry. */
async function deleteRealm(
  deps: TenantDeps,
  t: Tenant,
  realm: string,
  ctx: ReconcileContext,
): Promise<boolean> {
  const id = t.spec.identity;
  if (id === undefined) return true;
  try {
    const credentials = await secretValue(deps, id.keycloak.credentialsSecretRef);
    const url = id.keycloak.url ?? deps.config.keycloakUrl;
    if (credentials === undefined || url === undefined)
      throw new Error(
        `cannot reach Keycloak: ${refText(id.keycloak.credentialsSecretRef)} or URL missing`,
      );
    const r = await deps
      .keycloak({ url, clientId: id.keycloak.clientId, clientSecret: credentials })
      .deleteOwnedRealm(realm, t.metadata.name ?? "");
    ctx.log.info({ realm, result: r }, "Deleted Keycloak realm");
    return true;
  } catch (err) {
    return deletionFailed(deps, t, realm, err);
  }
}

/** Reports a failed realm deletion; true once the deletion timeout has passed (give up). */
async function deletionFailed(
  deps: TenantDeps,
  t: Tenant,
  realm: string,
  err: unknown,
): Promise<boolean> {
  const waited = deps.now().getTime() - Date.parse(String(t.metadata.deletionTimestamp));
  const timedOut = waited >= deps.config.deletionTimeoutMs;
  const message = timedOut
    ? `Gave up deleting Keycloak realm ${realm} after ${Math.round(waited / 1000)}s (${errorText(err)}); the realm may remain in Keycloak`
    : `Waiting to delete Keycloak realm ${realm} (gives up after ${deps.config.deletionTimeoutMs / 1000}s): ${errorText(err)}`;
  const q = t.status?.quota;
  await writeStatus(deps, t, {
    tenant: t,
    namespacesReady: (t.status?.namespaces ?? []).map((n) => ({
      name: n.name,
      uid: n.uid,
      ready: n.ready,
    })),
    conflicts: [],
    applyError: undefined,
    identity: { kind: "skipped" },
    quota: q?.hard !== undefined ? { hard: q.hard, used: q.used ?? {} } : undefined,
    deletion: { message, timedOut },
  });
  if (!timedOut)
    throw new Error(`finalizing Tenant ${t.metadata.name ?? ""}: deleting realm ${realm}`, {
      cause: err,
    });
  await deps.client.event(
    t,
    { type: "Warning", reason: "DeletionTimedOut", message },
    CONTROLLER_NAME,
  );
  return true;
}

function errorText(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
