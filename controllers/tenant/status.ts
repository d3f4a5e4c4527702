// Tenant status as a pure function of what the reconcile pass observed and did. Readiness is an
// ordered chain of checks (namespaces → quota → network → identity); the first failure decides
// Ready. Phase is only ever derived from the conditions.
import type { Tenant, TenantPhase, TenantStatus } from "../../crds/tenant/v1alpha1/index.ts";
import {
  TenantConditionType as T,
  TenantDegradedReason as DegradedReason,
  TenantIdentityDriftedReason as DriftReason,
  TenantIdentityReadyReason as IdentityReason,
  TenantNamespacesReadyReason as NsReason,
  TenantNetworkIsolatedReason as NetReason,
  TenantQuotaEnforcedReason as QuotaReason,
  TenantReadyReason as ReadyReason,
} from "../../crds/tenant/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { findCondition, setCondition } from "../../operators/runtime/conditions.ts";

type Verdict = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/** What happened on the Keycloak side in this pass. */
export type IdentityResult =
  | { kind: "not-configured" }
  /** Not due this pass (no spec change, resync not yet due): keep the previous identity conditions. */
  | { kind: "skipped" }
  | {
      kind: "synced";
      mode: "Enforce" | "CreateOnly" | "Observe";
      drift: string[];
      driftIsChange: boolean;
      realm: string;
      at: string;
    }
  | { kind: "refused"; message: string }
  | { kind: "credentials-missing"; message: string }
  | { kind: "unreachable"; message: string }
  | { kind: "error"; message: string };

export interface StatusInputs {
  tenant: Tenant;
  /** Namespace names the Tenant owns that exist and carry all their children. */
  namespacesReady: { name: string; uid?: string | undefined; ready: boolean }[];
  /** Namespaces of the same name we do not own (never adopted). */
  conflicts: string[];
  applyError: string | undefined;
  identity: IdentityResult;
  quota: { hard: Record<string, string>; used: Record<string, string> } | undefined;
  /** Generated client secrets written to Secrets (names only). */
  clientSecrets?: {
    clientId: string;
    secretRef: { name: string; namespace: string; key: string };
  }[];
  /** Set while the finalizer is waiting on an unreachable Keycloak or gave up on it. */
  deletion?: { message: string; timedOut: boolean } | undefined;
}

function namespacesVerdict(i: StatusInputs): Verdict {
  if (i.conflicts.length > 0)
    return {
      type: T.NamespacesReady,
      status: "False",
      reason: NsReason.NamespaceConflict,
      message: i.conflicts.join("; "),
    };
  if (i.applyError !== undefined)
    return {
      type: T.NamespacesReady,
      status: "False",
      reason: NsReason.ApplyFailed,
      message: i.applyError,
    };
  const notReady = i.namespacesReady.filter((n) => !n.ready).map((n) => n.name);
  if (notReady.length > 0)
    return {
      type: T.NamespacesReady,
      status: "False",
      reason: NsReason.Reconciling,
      message: `Waiting for namespaces ${notReady.join(", ")}`,
    };
  return {
    type: T.NamespacesReady,
    status: "True",
    reason: NsReason.AllNamespacesReady,
    message: `${i.namespacesReady.length} namespace(s) ready`,
  };
}

function quotaVerdict(i: StatusInputs, nsOk: boolean): Verdict {
  const q = i.tenant.spec.quota;
  if (q?.perNamespace === undefined && q?.limitRange === undefined)
    return {
      type: T.QuotaEnforced,
      status: "True",
      reason: QuotaReason.QuotaNotConfigured,
      message: "No quota declared",
    };
  if (!nsOk)
    return {
      type: T.QuotaEnforced,
      status: "False",
      reason: QuotaReason.Reconciling,
      message: "Waiting for namespaces",
    };
  return {
    type: T.QuotaEnforced,
    status: "True",
    reason: QuotaReason.QuotaApplied,
    message: "ResourceQuota and LimitRange applied in every namespace",
  };
}

function networkVerdict(i: StatusInputs, nsOk: boolean): Verdict {
  if (i.tenant.spec.network?.isolation === "None")
    return {
      type: T.NetworkIsolated,
      status: "False",
      reason: NetReason.IsolationDisabled,
      message: "Isolation is None",
    };
  if (!nsOk)
    return {
      type: T.NetworkIsolated,
      status: "False",
      reason: NetReason.Reconciling,
      message: "Waiting for namespaces",
    };
  return {
    type: T.NetworkIsolated,
    status: "True",
    reason: NetReason.PoliciesApplied,
    message: "Default deny with same-tenant and allowFrom exceptions applied",
  };
}

function identityVerdicts(r: IdentityResult): { ready: Verdict; drifted: Verdict | undefined } {
  switch (r.kind) {
    case "not-configured":
      return {
        ready: {
          type: T.IdentityReady,
          status: "True",
          reason: IdentityReason.IdentityNotConfigured,
          message: "The Tenant declares no Keycloak realm",
        },
        drifted: undefined,
      };
    case "refused":
      return {
        ready: {
          type: T.IdentityReady,
          status: "False",
          reason: IdentityReason.RealmOwnedElsewhere,
          message: r.message,
        },
        drifted: undefined,
      };
    case "credentials-missing":
      return {
        ready: {
          type: T.IdentityReady,
          status: "False",
          reason: IdentityReason.CredentialsMissing,
          message: r.message,
        },
        drifted: undefined,
      };
    case "unreachable":
      return {
        ready: {
          type: T.IdentityReady,
          status: "False",
          reason: IdentityReason.KeycloakUnreachable,
          message: r.message,
        },
        drifted: undefined,
      };
    case "error":
      return {
        ready: {
          type: T.IdentityReady,
          status: "False",
          reason: IdentityReason.SyncFailed,
          message: r.message,
        },
        drifted: undefined,
      };
    case "skipped":
      return {
        ready: {
          type: T.IdentityReady,
          status: "Unknown",
          reason: IdentityReason.Reconciling,
          message: "",
        },
        drifted: undefined,
      };
    case "synced":
      return syncedVerdicts(r);
  }
}

function syncedVerdicts(r: Extract<IdentityResult, { kind: "synced" }>): {
  ready: Verdict;
  drifted: Verdict;
} {
  const fields =
    r.drift.slice(0, 20).join(", ") + (r.drift.length > 20 ? `, … (${r.drift.length} in all)` : "");
  if (r.mode === "Observe" && r.drift.length > 0) {
    return {
      ready: {
        type: T.IdentityReady,
        status: "False",
        reason: IdentityReason.DriftObserved,
        message: `Realm ${r.realm} differs from the spec (Observe mode, not changed): ${fields}`,
      },
      drifted: {
        type: T.IdentityDrifted,
        status: "True",
        reason: DriftReason.DriftDetected,
        message: fields,
      },
    };
  }
  const ready: Verdict = {
    type: T.IdentityReady,
    status: "True",
    reason: IdentityReason.Synced,
    message: `Realm ${r.realm} matches the spec`,
  };
  if (r.drift.length > 0 && r.driftIsChange)
    return {
      ready,
      drifted: {
        type: T.IdentityDrifted,
        status: "False",
        reason: DriftReason.DriftReverted,
        message: `Reverted: ${fields}`,
      },
    };
  return {
    ready,
    drifted: {
      type: T.IdentityDrifted,
      status: "False",
      reason: DriftReason.NoDrift,
      message: "Keycloak matches the spec",
    },
  };
}

/** Degraded because of Keycloak (a failed sync, or one still in backoff), if so. */
function keycloakDegraded(i: StatusInputs): Verdict | undefined {
  if (i.identity.kind === "unreachable")
    return {
      type: T.Degraded,
      status: "True",
      reason: DegradedReason.KeycloakUnreachable,
      message: i.identity.message,
    };
  if (i.identity.kind === "error")
    return {
      type: T.Degraded,
      status: "True",
      reason: DegradedReason.KeycloakError,
      message: i.identity.message,
    };
  if (i.identity.kind !== "skipped") return undefined;
  // Waiting out a failed sync's backoff: the Keycloak problem still stands.
  const prev = findCondition(i.tenant.status?.conditions, T.Degraded);
  const keycloakReasons: string[] = [
    DegradedReason.KeycloakUnreachable,
    DegradedReason.KeycloakError,
  ];
  if (prev?.status === "True" && keycloakReasons.includes(prev.reason))
    return { type: T.Degraded, status: "True", reason: prev.reason, message: prev.message };
  return undefined;
}

function degradedVerdict(i: StatusInputs): Verdict {
  if (i.deletion !== undefined) {
    return {
      type: T.Degraded,
      status: "True",
      reason: i.deletion.timedOut
        ? DegradedReason.DeletionTimedOut
        : DegradedReason.KeycloakUnreachable,
      message: i.deletion.message,
    };
  }
  const keycloak = keycloakDegraded(i);
  if (keycloak !== undefined) return keycloak;
  if (i.applyError !== undefined)
    return {
      type: T.Degraded,
      status: "True",
      reason: DegradedReason.ApplyFailed,
      message: i.applyError,
    };
  if (i.conflicts.length > 0)
    return {
      type: T.Degraded,
      status: "True",
      reason: DegradedReason.NamespaceConflict,
      message: i.conflicts.join("; "),
    };
  return {
    type: T.Degraded,
    status: "False",
    reason: DegradedReason.AsExpected,
    message: "Nothing is failing",
  };
}

/** The first failing check of the chain, or Provisioned. */
function readyVerdict(chain: readonly Verdict[], terminating: boolean): Verdict {
  if (terminating)
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.Terminating,
      message: "The Tenant is being deleted",
    };
  for (const c of chain) {
    if (c.status === "True") continue;
    if (c.type === T.NetworkIsolated && c.reason === NetReason.IsolationDisabled) continue;
    const reason =
      c.type === T.IdentityReady
        ? ReadyReason.IdentityNotSynced
        : c.reason === NsReason.ApplyFailed
          ? ReadyReason.ApplyFailed
          : ReadyReason.NamespacesNotReady;
    return {
      type: T.Ready,
      status: c.status === "Unknown" ? "Unknown" : "False",
      reason: c.status === "Unknown" ? ReadyReason.Reconciling : reason,
      message: `${c.type}: ${c.message}`,
    };
  }
  return {
    type: T.Ready,
    status: "True",
    reason: ReadyReason.Provisioned,
    message: "Namespaces, quota, isolation and identity are in place",
  };
}

export function phaseOf(
  conditions: readonly Condition[] | undefined,
  terminating: boolean,
): TenantPhase {
  if (terminating) return "Terminating";
  if (findCondition(conditions, T.Ready)?.status === "True") return "Ready";
  if (findCondition(conditions, T.Degraded)?.status === "True") return "Degraded";
  return "Provisioning";
}

/** The status the controller owns. */
export function computeStatus(i: StatusInputs, now: Date): TenantStatus {
  const t = i.tenant;
  const generation = t.metadata.generation ?? 0;
  const terminating = t.metadata.deletionTimestamp !== undefined;
  const ns = namespacesVerdict(i);
  const nsOk = ns.status === "True";
  const identity = identityVerdicts(i.identity);
  let conditions: Condition[] | undefined = t.status?.conditions;
  // A skipped identity pass keeps the conditions of the last real one.
  const previousIdentity = findCondition(conditions, T.IdentityReady);
  const identityReady =
    i.identity.kind === "skipped" && previousIdentity !== undefined
      ? previousIdentity
      : identity.ready;
  const chain: Verdict[] = [ns, quotaVerdict(i, nsOk), networkVerdict(i, nsOk), identityReady];
  const all: Verdict[] = [...chain, degradedVerdict(i), readyVerdict(chain, terminating)];
  if (identity.drifted !== undefined) all.push(identity.drifted);
  for (const c of all)
    conditions = setCondition(
      conditions,
      {
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        observedGeneration: generation,
      },
      now,
    );
  const status: TenantStatus = {
    observedGeneration: generation,
    phase: phaseOf(conditions, terminating),
    conditions: conditions ?? [],
    namespaces: i.namespacesReady.map((n) => ({
      name: n.name,
      ready: n.ready,
      ...(n.uid !== undefined ? { uid: n.uid } : {}),
    })),
  };
  if (i.quota !== undefined) status.quota = i.quota;
  const identityStatus = identityStatusOf(i);
  if (identityStatus !== undefined) status.identity = identityStatus;
  return status;
}

function identityStatusOf(i: StatusInputs): TenantStatus["identity"] {
  const t = i.tenant;
  const realm = t.spec.identity?.realm.name;
  if (realm === undefined) return undefined;
  const out: NonNullable<TenantStatus["identity"]> = { ...(t.status?.identity ?? {}), realm };
  if (i.identity.kind === "synced") {
    out.lastSyncTime = i.identity.at;
    out.lastDriftCheckTime = i.identity.at;
    out.drift = {
      detected: i.identity.drift.length > 0,
      ...(i.identity.drift.length > 0 ? { fields: i.identity.drift.slice(0, 64) } : {}),
    };
  }
  if (i.clientSecrets !== undefined && i.clientSecrets.length > 0)
    out.clientSecrets = i.clientSecrets;
  return out;
}
