// The contract between a controller folder and a manager program: each controllers/<kind>/module.ts
// exports one ControllerModule. The manager (--controllers=<list>) picks modules by name, parses
// their flags, gives them a context, and the RBAC generator reads their rules. The runtime still
// knows no kind: a module only describes itself.
import type { KubeClient } from "../clients/kube.ts";
import type { Logger } from "./logger.ts";
import type { Manager } from "./manager.ts";

/** One RBAC rule, as in rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** A flag the module adds to the manager program (also read from `env`). */
export interface FlagSpec {
  type: "string" | "boolean";
  /** Environment variable read when the flag is absent. */
  env: string;
  default?: string;
  description: string;
}

/** Operators that can be deployed separately, each with its own Lease (kube-controller-manager style). */
export type OperatorName = "inference" | "identity" | "chat" | "chaos";

/** What a module gets when the manager sets it up. */
export interface ControllerContext {
  mgr: Manager;
  /** Shares the manager's connection pool. */
  client: KubeClient;
  log: Logger;
  /** Raw flag values of this module (flag name → value), defaults applied. */
  flags: Readonly<Record<string, string | boolean | undefined>>;
  /** Namespace the operator runs in (POD_NAMESPACE), where it keeps its own objects. */
  operatorNamespace: string;
}

/** One controller: its name, its operator, its flags, the RBAC it needs and how it registers. */
export interface ControllerModule {
  /** Used in --controllers, logs, metrics and as the field manager. */
  name: string;
  operator: OperatorName;
  flags?: Readonly<Record<string, FlagSpec>>;
  /** Cluster-wide rules (ClusterRole). */
  clusterRules: readonly PolicyRule[];
  /** Rules needed only in the operator's own namespace (Role). */
  namespaceRules?: readonly PolicyRule[];
  /**
   * Checks this module's flag values before anything connects; throws (lib/config.ts ConfigError)
   * with a message naming the flag. Optional: setup may also reject values, but later.
   */
  checkFlags?(flags: ControllerContext["flags"]): void;
  setup(ctx: ControllerContext): void | Promise<void>;
}
