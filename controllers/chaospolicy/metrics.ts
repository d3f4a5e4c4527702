// chaos_runs_total{verdict} and chaos_active_faults{fault} in the manager's registry. The gauge is
// computed at scrape time from the cached policies' status (state Injecting or Running, not a dry
// run), so it tells the truth after a restart without any in-memory bookkeeping.
import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import type { ChaosPolicy, ChaosVerdict } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { FAULT_TYPES } from "../../crds/chaospolicy/v1alpha1/index.ts";

export interface ChaosMetrics {
  runFinished(verdict: ChaosVerdict): void;
}

/** Faults in force per fault type among `policies`. */
export function activeFaultCounts(policies: readonly ChaosPolicy[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(FAULT_TYPES.map((t) => [t, 0]));
  for (const p of policies) {
    const run = p.status?.run;
    if (run === undefined || run.dryRun === true) continue;
    if (run.state !== "Injecting" && run.state !== "Running") continue;
    out[p.spec.fault.type] = (out[p.spec.fault.type] ?? 0) + 1;
  }
  return out;
}

/** Registers the metrics; `list` returns the cached policies. */
export function chaosMetrics(registry: Registry, list: () => readonly ChaosPolicy[]): ChaosMetrics {
  const runs = new Counter({
    name: "chaos_runs_total",
    help: "Finished ChaosPolicy runs by verdict",
    labelNames: ["verdict"],
    registers: [registry],
  });
  for (const v of ["Passed", "Aborted", "Failed", "DryRun"]) runs.inc({ verdict: v }, 0);
  new Gauge({
    name: "chaos_active_faults",
    help: "ChaosPolicy runs with a fault in force, by fault type",
    labelNames: ["fault"],
    registers: [registry],
    collect() {
      for (const [fault, n] of Object.entries(activeFaultCounts(list()))) this.set({ fault }, n);
    },
  });
  return {
    runFinished: (verdict) => {
      runs.inc({ verdict });
    },
  };
}
