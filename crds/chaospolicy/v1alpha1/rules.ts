// Rules derived from a ChaosPolicy that more than one component needs (chaos controller, webhooks):
// blast-radius defaults and arithmetic, cluster limits and the kill switch. Defined once here.
// The schema imports from here (defaults), never the other way round.

/** Annotation that stops all chaos when set to "engaged" (on the operator Namespace or a Tenant). */
export const CHAOS_KILL_SWITCH_ANNOTATION = "librechat.io/chaos-kill-switch";
export const CHAOS_KILL_SWITCH_ENGAGED = "engaged";

/** Defaults of spec.blastRadius (the schema writes these into the CRD). */
export const BLAST_RADIUS_DEFAULTS = {
  mode: "One",
  maxAffectedPercent: 25,
  minHealthyReplicas: 1,
} as const;

/** Cluster-wide limits that are configuration, not schema: 1 h of chaos at most, never more than half of the targets. */
export const DEFAULT_CHAOS_LIMITS = { maxDurationSeconds: 3600, maxAffectedPercent: 50 } as const;

/** True when annotations carry `librechat.io/chaos-kill-switch: engaged`. */
export function isKillSwitchEngaged(
  annotations: Readonly<Record<string, string>> | undefined,
): boolean {
  return annotations?.[CHAOS_KILL_SWITCH_ANNOTATION] === CHAOS_KILL_SWITCH_ENGAGED;
}

/** Most replicas a run may affect out of `replicas` under `maxAffectedPercent` (rounded down). */
export function maxAffected(replicas: number, maxAffectedPercent: number): number {
  return Math.floor((replicas * maxAffectedPercent) / 100);
}
