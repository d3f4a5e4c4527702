// Region health with hysteresis, as a pure state machine. A region turns Unhealthy only after it
// has looked bad for the grace period, and Healthy again only after it has looked good for the
// hold-down, so a flapping fleet does not bounce its clients between regions. The state lives in
// status.health, so an operator restart keeps the clocks.

export type HealthState = "Healthy" | "Unhealthy";

export interface Health {
  state: HealthState;
  /** RFC 3339: when `state` was entered. */
  since: string;
  /** RFC 3339: when the observation first disagreed with `state` (the running clock). */
  pendingSince?: string;
  message?: string;
}

export interface HealthInput {
  previous: Health | undefined;
  /** What the fleet looks like right now. */
  observedHealthy: boolean;
  /** Why, in words (becomes status.health.message). */
  message: string;
  now: Date;
  graceSeconds: number;
  holdDownSeconds: number;
}

export interface HealthStep {
  health: Health;
  /** Milliseconds until the running clock expires (requeue then), if one is running. */
  recheckAfterMs?: number;
}

/** Observed health of a fleet: at least max(minReplicas, 1) pods pass their readiness checks. */
export function fleetLooksHealthy(ready: number, minReplicas: number): boolean {
  return ready >= Math.max(minReplicas, 1);
}

/** One step of the state machine. */
export function nextHealth(input: HealthInput): HealthStep {
  const { previous, observedHealthy, now } = input;
  const iso = now.toISOString();
  const observed: HealthState = observedHealthy ? "Healthy" : "Unhealthy";
  // First sight: take the observation as it is (a new region is not failed over on creation).
  if (previous === undefined)
    return { health: { state: observed, since: iso, message: input.message } };
  if (previous.state === observed) {
    return { health: { state: previous.state, since: previous.since, message: input.message } };
  }
  const pendingSince = previous.pendingSince ?? iso;
  const waitSeconds = previous.state === "Healthy" ? input.graceSeconds : input.holdDownSeconds;
  const elapsedMs = now.getTime() - Date.parse(pendingSince);
  if (elapsedMs >= waitSeconds * 1000) {
    return { health: { state: observed, since: iso, message: input.message } };
  }
  return {
    health: { state: previous.state, since: previous.since, pendingSince, message: input.message },
    recheckAfterMs: waitSeconds * 1000 - elapsedMs,
  };
}
