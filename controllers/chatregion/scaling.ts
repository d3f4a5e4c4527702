// Connection-aware scaling, pure. The recommendation follows the HPA algorithm on one metric
// (open connections per pod against targetConnectionsPerPod, 10 % tolerance, missing pods counted
// against the direction of the change, downscale stabilization window), with two differences:
// the replica count is capped at what the region's capacity outside the failover reserve needs
// (the reserve is only used while the region takes another region's traffic), and scale-down
// picks the emptiest pods through pod-deletion-cost (see podDeletionCosts). README has the details.

/** One recommendation kept for the stabilization window. */
export interface Recommendation {
  atMs: number;
  replicas: number;
}

export interface ScaleInput {
  /** Replicas the fleet runs now (the last decision). */
  current: number;
  /** Open connections of each pod that is ready; undefined when its metrics could not be read. */
  podConnections: readonly (number | undefined)[];
  minReplicas: number;
  maxReplicas: number;
  targetPerPod: number;
  maxConnections: number;
  reservedPercent: number;
  /** The region takes the traffic of a failed-over region: the reserve may be used. */
  receivingFailover: boolean;
  history: readonly Recommendation[];
  nowMs: number;
  scaleDownWindowSeconds: number;
}

export interface ScaleDecision {
  replicas: number;
  /** This round's recommendation before stabilization. */
  recommended: number;
  history: Recommendation[];
  /** Connections counted (pods with metrics). */
  open: number;
  /** Connections the region accepts for its own traffic (maxConnections less the reserve). */
  capacity: number;
  reason: string;
}

/** HPA's default tolerance: no change while usage is within 10 % of the target. */
export const TOLERANCE = 0.1;

/** Connections the region serves for its own traffic. */
export function ownCapacity(maxConnections: number, reservedPercent: number): number {
  return Math.floor((maxConnections * (100 - reservedPercent)) / 100);
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

/** Raw recommendation from the metric (before bounds and stabilization). */
function recommend(input: ScaleInput): { raw: number; open: number; reason: string } {
  const known = input.podConnections.filter((c): c is number => c !== undefined);
  const missing = input.podConnections.length - known.length;
  const open = known.reduce((a, b) => a + b, 0);
  if (known.length === 0)
    return { raw: input.current, open, reason: "no pod metrics yet; holding" };
  const t = input.targetPerPod;
  // Missing pods count as empty when deciding to grow and as full when deciding to shrink, so a
  // pod whose metrics are unreadable never causes a scale-down (HPA does the same).
  const up = Math.ceil(open / t);
  const down = Math.ceil((open + missing * t) / t);
  const usage = input.current > 0 ? open / (input.current * t) : Infinity;
  if (Math.abs(usage - 1) <= TOLERANCE)
    return { raw: input.current, open, reason: "within tolerance of the target" };
  if (up > input.current)
    return { raw: up, open, reason: `${open} connections need ${up} pods at ${t} per pod` };
  if (down < input.current)
    return { raw: down, open, reason: `${open} connections need ${down} pods at ${t} per pod` };
  return { raw: input.current, open, reason: "at the target" };
}

/** One autoscaler round. */
export function decideReplicas(input: ScaleInput): ScaleDecision {
  const { raw, open, reason } = recommend(input);
  const capacity = ownCapacity(input.maxConnections, input.reservedPercent);
  const usable = input.receivingFailover ? input.maxConnections : capacity;
  const capPods = Math.max(1, Math.ceil(usable / input.targetPerPod));
  let why = reason;
  let rec = raw;
  if (rec > capPods) {
    rec = capPods;
    why = `${reason}; capped at ${capPods} pods by capacity ${usable}`;
  }
  const recommended = clamp(rec, input.minReplicas, input.maxReplicas);
  const windowMs = input.scaleDownWindowSeconds * 1000;
  const history = [
    ...input.history.filter((h) => input.nowMs - h.atMs < windowMs),
    { atMs: input.nowMs, replicas: recommended },
  ];
  let replicas = recommended;
  if (recommended < input.current) {
    // Scale down only to the highest recommendation of the window (never above current).
    const highest = Math.max(...history.map((h) => h.replicas));
    replicas = Math.min(input.current, Math.max(recommended, highest));
    if (replicas > recommended)
      why = `${why}; held at ${replicas} by the ${input.scaleDownWindowSeconds}s stabilization window`;
  }
  return { replicas, recommended, history, open, capacity, reason: why };
}

/**
 * controller.kubernetes.io/pod-deletion-cost per pod: its open connections, so the ReplicaSet
 * controller removes the emptiest pods first. Pods without metrics get the highest cost.
 */
export function podDeletionCosts(
  pods: readonly { name: string; connections: number | undefined }[],
): Map<string, string> {
  const max = 2_147_483_647;
  return new Map(
    pods.map((p) => [
      p.name,
      String(p.connections === undefined ? max : Math.min(p.connections, max)),
    ]),
  );
}
