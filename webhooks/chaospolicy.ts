// ChaosPolicy admission (validation only). A policy may only hurt its own Tenant, and only a
// bounded
// share of it for a bounded time. Rules (CEL in crds/chaospolicy already bounds duration to 1h and a
// Percent value to maxAffectedPercent):
//  1. tenant: the policy's namespace belongs to a Tenant (label librechat.io/tenant), and the target
//     namespace (spec.target.namespace, default: the policy's namespace) exists and carries the
//     same tenant label;
//  2. target: spec.target names an object of spec.target.kind (AIModel, ChatRegion: librechat.io;
//     Deployment: apps/v1) that exists in the target namespace;
//  3. duration: spec.duration ≤ the cluster maximum (webhook config CHAOS_MAX_DURATION);
//  4. blast radius: blastRadius.maxAffectedPercent and a Percent value ≤ the cluster maximum
//     (CHAOS_MAX_AFFECTED_PERCENT); for mode Fixed against a target with a known replica count, the
//     count stays within maxAffectedPercent of the current replicas and leaves minHealthyReplicas;
//  5. kill switch: while `librechat.io/chaos-kill-switch: engaged` is set on the Tenant or on the
//     operator namespace, no active policy (not suspended, not dryRun) may be created, and the spec
//     of an existing one may not be changed unless the result is inactive.
// Suspending a policy (an UPDATE that only sets spec.suspend: true) is always admitted, and
// metadata-only updates and updates during deletion are never evaluated (admit.ts skipUpdate).
import { annotationsOf, at, num, rec, str, parseDurationMs } from "./object.ts";
import type { KubeObject, Violation } from "./review.ts";
import type { LookupKind, PolicyConfig, ValidateInput } from "./types.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";
import { CHATREGION_KIND } from "../crds/chatregion/v1alpha1/kind.ts";
import { DEPLOYMENT } from "../operators/runtime/core-kinds.ts";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/kind.ts";
import { TENANT_LABEL } from "../crds/tenant/v1alpha1/rules.ts";
import { effectiveReplicas, isSelfHosted } from "../crds/aimodel/v1alpha1/rules.ts";
import {
  BLAST_RADIUS_DEFAULTS,
  isKillSwitchEngaged,
  maxAffected,
} from "../crds/chaospolicy/v1alpha1/rules.ts";

/** Kinds spec.target.kind may name. */
export const TARGET_KINDS: Readonly<Record<string, LookupKind>> = {
  AIModel: AIMODEL_KIND,
  ChatRegion: CHATREGION_KIND,
  Deployment: DEPLOYMENT,
};

/** Target namespace: spec.target.namespace, or the policy's own namespace. */
export function targetNamespace(policy: unknown, ownNamespace: string): string {
  const ns = str(at(policy, "spec", "target", "namespace"));
  return ns !== undefined && ns !== "" ? ns : ownNamespace;
}

function formatSeconds(s: number): string {
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

function blastRadius(policy: unknown): {
  mode: string;
  value: number | undefined;
  maxAffectedPercent: number;
  minHealthyReplicas: number;
} {
  const br = at(policy, "spec", "blastRadius");
  return {
    mode: str(at(br, "mode")) ?? BLAST_RADIUS_DEFAULTS.mode,
    value: num(at(br, "value")),
    maxAffectedPercent:
      num(at(br, "maxAffectedPercent")) ?? BLAST_RADIUS_DEFAULTS.maxAffectedPercent,
    minHealthyReplicas:
      num(at(br, "minHealthyReplicas")) ?? BLAST_RADIUS_DEFAULTS.minHealthyReplicas,
  };
}

/** Rules 3 and 4 without replica counts: no cluster state needed (also the fuzz oracle). */
export function validateChaosPolicyStatic(policy: unknown, config: PolicyConfig): Violation[] {
  const out: Violation[] = [];
  const duration = at(policy, "spec", "duration");
  const durationMs = parseDurationMs(duration);
  if (durationMs !== undefined && durationMs > config.chaos.maxDurationSeconds * 1000) {
    out.push({
      field: "spec.duration",
      message: `must not exceed the cluster maximum of ${formatSeconds(config.chaos.maxDurationSeconds)} (got ${String(duration)})`,
      type: "FieldValueForbidden",
    });
  }
  const cap = config.chaos.maxAffectedPercent;
  const br = blastRadius(policy);
  if (br.maxAffectedPercent > cap) {
    out.push({
      field: "spec.blastRadius.maxAffectedPercent",
      message: `must not exceed the cluster maximum of ${cap}% (got ${br.maxAffectedPercent})`,
      type: "FieldValueForbidden",
    });
  }
  if (br.mode === "Percent" && br.value !== undefined && br.value > cap) {
    out.push({
      field: "spec.blastRadius.value",
      message: `must not exceed the cluster maximum of ${cap}% for mode Percent (got ${br.value})`,
      type: "FieldValueForbidden",
    });
  }
  return out;
}

/**
 * Replica count of a target where it is meaningful: a self-hosted AIModel (the replicas the
 * controller runs: crds/aimodel effectiveReplicas), a Deployment.
 */
export function targetReplicas(kind: string, target: KubeObject): number | undefined {
  if (kind === "AIModel") {
    const provider = str(at(target, "spec", "provider")) ?? "";
    if (!isSelfHosted({ spec: { provider } })) return undefined;
    return effectiveReplicas({
      spec: {
        provider,
        replicas: num(at(target, "spec", "replicas")),
        minReplicas: num(at(target, "spec", "minReplicas")),
        maxReplicas: num(at(target, "spec", "maxReplicas")),
        autoscaling: { enabled: at(target, "spec", "autoscaling", "enabled") === true },
      },
    });
  }
  if (kind === "Deployment") return num(at(target, "spec", "replicas")) ?? 1;
  return undefined;
}

/** Rule 4 for mode Fixed, given the target's current replica count. */
export function validateFixedCount(policy: unknown, replicas: number): Violation[] {
  const br = blastRadius(policy);
  if (br.mode !== "Fixed" || br.value === undefined || replicas <= 0) return [];
  const out: Violation[] = [];
  const allowed = maxAffected(replicas, br.maxAffectedPercent);
  if (br.value > allowed) {
    out.push({
      field: "spec.blastRadius.value",
      message: `${br.value} of ${replicas} current replicas exceeds maxAffectedPercent ${br.maxAffectedPercent} (at most ${allowed})`,
      type: "FieldValueForbidden",
    });
  }
  if (replicas - br.value < br.minHealthyReplicas) {
    out.push({
      field: "spec.blastRadius.value",
      message: `affecting ${br.value} of ${replicas} current replicas leaves fewer than minHealthyReplicas ${br.minHealthyReplicas}`,
      type: "FieldValueForbidden",
    });
  }
  return out;
}

/** True if the policy would inject faults (not suspended, not a dry run). */
export function isActive(policy: unknown): boolean {
  return at(policy, "spec", "suspend") !== true && at(policy, "spec", "dryRun") !== true;
}

async function checkTenant(
  input: ValidateInput,
  targetNs: string,
): Promise<{ tenant?: string; violations: Violation[] }> {
  const own = await input.lookup.getNamespace(input.namespace, input.signal);
  const tenant = own?.labels[TENANT_LABEL];
  if (tenant === undefined || tenant === "") {
    return {
      violations: [
        {
          field: "metadata.namespace",
          message: `namespace "${input.namespace}" does not belong to a Tenant (label ${TENANT_LABEL} missing)`,
          type: "FieldValueForbidden",
        },
      ],
    };
  }
  if (targetNs === input.namespace) return { tenant, violations: [] };
  const target = await input.lookup.getNamespace(targetNs, input.signal);
  if (target === null)
    return {
      tenant,
      violations: [
        {
          field: "spec.target.namespace",
          message: `namespace "${targetNs}" not found (yet); admitted, the controller checks its Tenant before every run`,
          type: "FieldValueNotFound",
          warning: true,
        },
      ],
    };
  if (target.labels[TENANT_LABEL] !== tenant) {
    return {
      tenant,
      violations: [
        {
          field: "spec.target.namespace",
          message: `namespace "${targetNs}" does not belong to Tenant "${tenant}"`,
          type: "FieldValueForbidden",
        },
      ],
    };
  }
  return { tenant, violations: [] };
}

async function checkTarget(input: ValidateInput, targetNs: string): Promise<Violation[]> {
  const kindName = str(at(input.object, "spec", "target", "kind")) ?? "";
  const name = str(at(input.object, "spec", "target", "name"));
  const kind = TARGET_KINDS[kindName];
  if (name === undefined || kind === undefined) return []; // schema enum/required report these
  const obj = await input.lookup.getObject(kind, targetNs, name, input.signal);
  if (obj === null) {
    return [
      {
        field: "spec.target.name",
        message: `${kindName} "${name}" not found in namespace "${targetNs}" (yet); admitted, the policy reports the unresolved target in its status and its blast radius is checked against the target's replicas once it exists`,
        type: "FieldValueNotFound",
        warning: true,
      },
    ];
  }
  const replicas = targetReplicas(kindName, obj);
  return replicas !== undefined ? validateFixedCount(input.object, replicas) : [];
}

function specChanged(input: ValidateInput): boolean {
  return (
    input.operation === "CREATE" ||
    JSON.stringify(at(input.oldObject, "spec")) !== JSON.stringify(at(input.object, "spec"))
  );
}

async function checkKillSwitch(input: ValidateInput, tenant: string): Promise<Violation[]> {
  if (!isActive(input.object) || !specChanged(input)) return [];
  const killNs = input.policy.chaos.killSwitchNamespace;
  const [tenantObj, operatorNs] = await Promise.all([
    input.lookup.getObject(TENANT_KIND, "", tenant, input.signal),
    killNs !== undefined ? input.lookup.getNamespace(killNs, input.signal) : Promise.resolve(null),
  ]);
  const where = isKillSwitchEngaged(annotationsOf(tenantObj))
    ? `Tenant "${tenant}"`
    : isKillSwitchEngaged(operatorNs?.annotations)
      ? `namespace "${killNs ?? ""}" (cluster-wide)`
      : undefined;
  if (where === undefined) return [];
  return [
    {
      field: "spec.suspend",
      message: `chaos kill switch is engaged on ${where}: only suspended or dryRun policies are admitted`,
      type: "FieldValueForbidden",
    },
  ];
}

/** True when an UPDATE only sets spec.suspend to true: always allowed (the way to stop a policy). */
export function onlySuspends(
  input: Pick<ValidateInput, "operation" | "object" | "oldObject">,
): boolean {
  if (input.operation !== "UPDATE" || at(input.object, "spec", "suspend") !== true) return false;
  const without = (o: unknown): string =>
    JSON.stringify({ ...rec(at(o, "spec")), suspend: undefined });
  return without(input.object) === without(input.oldObject);
}

/** Full ChaosPolicy validation (rules 1–5). */
export async function validateChaosPolicy(input: ValidateInput): Promise<Violation[]> {
  if (onlySuspends(input)) return [];
  const violations = validateChaosPolicyStatic(input.object, input.policy);
  const targetNs = targetNamespace(input.object, input.namespace);
  const { tenant, violations: tenantViolations } = await checkTenant(input, targetNs);
  violations.push(...tenantViolations);
  // A target namespace that does not exist yet is only a warning: the kill switch still applies.
  if (tenant === undefined || tenantViolations.some((v) => v.warning !== true)) return violations;
  // With its namespace missing the target cannot exist either: one warning says it.
  const [target, kill] = await Promise.all([
    tenantViolations.length > 0 ? Promise.resolve([]) : checkTarget(input, targetNs),
    checkKillSwitch(input, tenant),
  ]);
  return [...violations, ...target, ...kill];
}
