/** TypeScript types of ChaosPolicy, derived from the TypeBox schema. */
import type { Static } from "@sinclair/typebox";
import type {
  ActiveFaultSchema,
  ProbeStatusSchema,
  RUN_STATES,
  BLAST_RADIUS_MODES,
  BlastRadiusSchema,
  CHAOS_PHASES,
  ChaosPolicySchema,
  ChaosPolicySpecSchema,
  ChaosPolicyStatusSchema,
  COMPARATORS,
  FAULT_TYPES,
  FaultSchema,
  ProbeSchema,
  TARGET_KINDS,
  TargetSchema,
  VERDICTS,
} from "./schema.ts";

export type ChaosPolicy = Static<typeof ChaosPolicySchema>;
export type ChaosPolicySpec = Static<typeof ChaosPolicySpecSchema>;
export type ChaosPolicyStatus = Static<typeof ChaosPolicyStatusSchema>;
export type ChaosFault = Static<typeof FaultSchema>;
export type ChaosTarget = Static<typeof TargetSchema>;
export type ChaosBlastRadius = Static<typeof BlastRadiusSchema>;
export type ChaosProbe = Static<typeof ProbeSchema>;
export type ChaosFaultType = (typeof FAULT_TYPES)[number];
export type ChaosTargetKind = (typeof TARGET_KINDS)[number];
export type ChaosBlastRadiusMode = (typeof BLAST_RADIUS_MODES)[number];
export type ChaosPhase = (typeof CHAOS_PHASES)[number];
export type ChaosVerdict = (typeof VERDICTS)[number];
export type ChaosComparator = (typeof COMPARATORS)[number];
export type ChaosActiveFault = Static<typeof ActiveFaultSchema>;
export type ChaosRun = NonNullable<ChaosPolicyStatus["run"]>;
export type ChaosRunState = (typeof RUN_STATES)[number];
export type ChaosProbeStatus = Static<typeof ProbeStatusSchema>;
