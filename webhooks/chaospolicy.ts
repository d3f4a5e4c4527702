// ChaosPolicy admission (validation only). A policy may only hurt its own Tenant, and only a bounded
// share of it for a bounded time:
//  1. the policy's namespace belongs to a Tenant (label librechat.io/tenant);
//  2. every target namespace (spec.target.namespaces, default: the policy's namespace) exists and
//     carries the same tenant label;
//  3. spec.target.ref names an object of its kind (AIModel, ChatRegion, Deployment) that exists in
//     every target namespace;
//  4. spec.duration ≤ the cluster maximum (webhook config);
//  5. blast radius: blastRadius.maxAffectedPercent and any percentage value ≤ the cluster maximum;
//     a percentage value ≤ its own maxAffectedPercent; for mode Fixed/One against a target with a
//     known replica count, the affected share ≤ maxAffectedPercent and at least minHealthyReplicas
//     stay untouched.
import { arr, at, num, str, parseDurationMs } from "./object.ts";
import type { KubeObject, Violation } from "./review.ts";
import type { LookupKind, PolicyConfig, ValidateInput } from "./types.ts";
import { KINDS, TENANT_LABEL } from "./types.ts";

/** Kinds spec.target.ref.kind may name. */
export const TARGET_KINDS: Readonly<Record<string, LookupKind>> = {
  AIModel: KINDS.AIModel,
  ChatRegion: KINDS.ChatRegion,
  Deployment: KINDS.Deployment,
};

const PERCENT_MODES: readonly string[] = ["FixedPercent", "RandomMaxPercent"];
/** At most this many target namespaces are checked (the schema bounds the list further). */
const MAX_TARGET_NAMESPACES = 32;

/** Target namespaces as written, or the policy's own namespace. */
export function targetNamespaces(policy: unknown, ownNamespace: string): string[] {
  const list = arr(at(policy, "spec", "target", "namespaces"))?.filter((n): n is string => typeof n === "string");
  return list !== undefined && list.length > 0 ? list : [ownNamespace];
}

function formatSeconds(s: number): string {
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** Rules 4 and 5 without replica counts: no cluster state needed (used by the fuzz oracle too). */
export function validateChaosPolicyStatic(policy: unknown, config: PolicyConfig): Violation[] {
  const out: Violation[] = [];
  const durationMs = parseDurationMs(at(policy, "spec", "duration"));
  const maxMs = config.chaos.maxDurationSeconds * 1000;
  if (durationMs !== undefined && durationMs > maxMs) {
    out.push({
      field: "spec.duration",
      message: `must not exceed the cluster maximum of ${formatSeconds(config.chaos.maxDurationSeconds)} (got ${String(at(policy, "spec", "duration"))})`,
      type: "FieldValueForbidden",
    });
  }
  const br = at(policy, "spec", "blastRadius");
  const cap = config.chaos.maxAffectedPercent;
  const maxAffected = num(at(br, "maxAffectedPercent"));
  if (maxAffected !== undefined && maxAffected > cap) {
    out.push({ field: "spec.blastRadius.maxAffectedPercent", message: `must not exceed the cluster maximum of ${cap}% (got ${maxAffected})`, type: "FieldValueForbidden" });
  }
  const mode = str(at(br, "mode"));
  const value = num(at(br, "value"));
  if (mode !== undefined && PERCENT_MODES.includes(mode) && value !== undefined) {
    const limit = Math.min(cap, maxAffected ?? cap);
    if (value > limit) {
      const which = maxAffected !== undefined && maxAffected < cap ? `blastRadius.maxAffectedPercent (${maxAffected})` : `the cluster maximum of ${cap}%`;
      out.push({ field: "spec.blastRadius.value", message: `must not exceed ${which} for mode ${mode} (got ${value})`, type: "FieldValueForbidden" });
    }
  }
  return out;
}

/** Replica count of a target, when its kind has one. */
export function targetReplicas(target: KubeObject): number | undefined {
  return num(at(target, "spec", "replicas"));
}

/** Rule 5 for count modes, given the target's replica count. */
export function validateAffectedCount(policy: unknown, replicas: number, namespace: string): Violation[] {
  const br = at(policy, "spec", "blastRadius");
  const mode = str(at(br, "mode"));
  const affected = mode === "One" ? 1 : mode === "Fixed" ? num(at(br, "value")) : undefined;
  if (affected === undefined || replicas <= 0) return [];
  const out: Violation[] = [];
  const maxAffected = num(at(br, "maxAffectedPercent"));
  const percent = Math.ceil((affected * 100) / replicas);
  if (maxAffected !== undefined && percent > maxAffected) {
    out.push({
      field: "spec.blastRadius.value",
      message: `${affected} of ${replicas} replicas in namespace "${namespace}" is ${percent}%, above maxAffectedPercent ${maxAffected}`,
      type: "FieldValueForbidden",
    });
  }
  const minHealthy = num(at(br, "minHealthyReplicas"));
  if (minHealthy !== undefined && replicas - affected < minHealthy) {
    out.push({
      field: "spec.blastRadius.minHealthyReplicas",
      message: `affecting ${affected} of ${replicas} replicas in namespace "${namespace}" leaves fewer than ${minHealthy} healthy`,
      type: "FieldValueForbidden",
    });
  }
  return out;
}

async function checkNamespaces(input: ValidateInput, tenant: string, namespaces: string[]): Promise<{ ok: string[]; violations: Violation[] }> {
  const infos = await Promise.all(namespaces.map((ns) => input.lookup.getNamespace(ns, input.signal)));
  const ok: string[] = [];
  const violations: Violation[] = [];
  infos.forEach((info, i) => {
    const ns = namespaces[i] ?? "";
    const field = `spec.target.namespaces[${i}]`;
    if (info === null) {
      violations.push({ field, message: `namespace "${ns}" not found`, type: "FieldValueNotFound" });
    } else if (info.labels[TENANT_LABEL] !== tenant) {
      violations.push({ field, message: `namespace "${ns}" does not belong to Tenant "${tenant}"`, type: "FieldValueForbidden" });
    } else {
      ok.push(ns);
    }
  });
  return { ok, violations };
}

async function checkTarget(input: ValidateInput, namespaces: string[]): Promise<Violation[]> {
  const kindName = str(at(input.object, "spec", "target", "ref", "kind")) ?? "";
  const name = str(at(input.object, "spec", "target", "ref", "name"));
  if (name === undefined) return [];
  const kind = TARGET_KINDS[kindName];
  if (kind === undefined) {
    return [{ field: "spec.target.ref.kind", message: `must be one of ${Object.keys(TARGET_KINDS).join(", ")} (got "${kindName}")` }];
  }
  const found = await Promise.all(namespaces.map((ns) => input.lookup.getObject(kind, ns, name, input.signal)));
  const out: Violation[] = [];
  found.forEach((obj, i) => {
    const ns = namespaces[i] ?? "";
    if (obj === null) {
      out.push({ field: "spec.target.ref.name", message: `${kindName} "${name}" not found in namespace "${ns}"`, type: "FieldValueNotFound" });
      return;
    }
    const replicas = targetReplicas(obj);
    if (replicas !== undefined) out.push(...validateAffectedCount(input.object, replicas, ns));
  });
  return out;
}

/** Full ChaosPolicy validation (rules 1–5). */
export async function validateChaosPolicy(input: ValidateInput): Promise<Violation[]> {
  const violations = validateChaosPolicyStatic(input.object, input.policy);
  const own = await input.lookup.getNamespace(input.namespace, input.signal);
  const tenant = own?.labels[TENANT_LABEL];
  if (tenant === undefined || tenant === "") {
    violations.push({
      field: "metadata.namespace",
      message: `namespace "${input.namespace}" does not belong to a Tenant (label ${TENANT_LABEL} missing)`,
      type: "FieldValueForbidden",
    });
    return violations;
  }
  const namespaces = targetNamespaces(input.object, input.namespace);
  if (namespaces.length > MAX_TARGET_NAMESPACES) {
    violations.push({ field: "spec.target.namespaces", message: `must list at most ${MAX_TARGET_NAMESPACES} namespaces (got ${namespaces.length})` });
    return violations;
  }
  const { ok, violations: nsViolations } = await checkNamespaces(input, tenant, namespaces);
  violations.push(...nsViolations);
  violations.push(...(await checkTarget(input, ok)));
  return violations;
}
