// Public surface of the operator runtime. Controllers import from here only (core-kinds.ts too is
// importable on its own: it has no run-time dependencies).
export type {
  ControllerDefinition,
  GroupVersionKind,
  KubernetesObject,
  ObjectMeta,
  OwnerReference,
  ReconcileContext,
  ReconcileResult,
  WatchDefinition,
} from "./types.ts";
export { Manager } from "./manager.ts";
export type {
  CacheOptions,
  LeaderElectionOptions,
  ManagerOptions,
  ServeAddress,
} from "./manager.ts";
export { LAST_APPLIED_ANNOTATION, SharedInformer, stripManagedFields } from "./informer.ts";
export type {
  CacheTransform,
  IndexedInformer,
  Informer,
  InformerHandlers,
  InformerOptions,
} from "./informer.ts";
export { Indexer, OWNER_UID_INDEX, byLabel, byOwnerUid, labelIndexName } from "./indexer.ts";
export type { IndexFunc } from "./indexer.ts";
export {
  annotationsChanged,
  anyOf,
  generationChanged,
  labelsChanged,
  resync,
} from "./predicates.ts";
export type { UpdatePredicate } from "./predicates.ts";
export { hasFinalizer, isDeleting, objectReconciler } from "./reconciler.ts";
export type { Finalizer, FinalizerClient, ObjectReconcilerOptions } from "./reconciler.ts";
export { dropDataValues, metadataOnly } from "./transforms.ts";
export type {
  ControllerContext,
  ControllerModule,
  FlagSpec,
  OperatorName,
  PolicyRule,
} from "./module.ts";
export { Controller, mappingHandlers, ownerKeys } from "./controller.ts";
export { WorkQueue } from "./workqueue.ts";
export type { WorkQueueMetrics, WorkQueueOptions } from "./workqueue.ts";
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from "./ratelimiter.ts";
export type { RateLimiter } from "./ratelimiter.ts";
export { LeaderElector, decideLease, formatMicroTime, nextLeaseSpec } from "./leader-election.ts";
export type { Lease, LeaseDecision, LeaseSpec } from "./leader-election.ts";
export { RuntimeMetrics } from "./metrics.ts";
export { MetricsAuthorizer, bearerToken } from "./metrics-auth.ts";
export type { MetricsDecision, ReviewPoster } from "./metrics-auth.ts";
export {
  findCondition,
  formatTime,
  isFalse,
  isTrue,
  isUnknown,
  isValidReason,
  removeCondition,
  sameCondition,
  setCondition,
} from "./conditions.ts";
export type { Condition } from "./conditions.ts";
export { ReturnEarly, TerminalError, errorMessage, isTerminal } from "./errors.ts";
export { createLogger, serializeError, silentLogger } from "./logger.ts";
export type { Logger, LoggerOptions, SerializedError } from "./logger.ts";
export { handleSignals } from "./shutdown.ts";
export type { ShutdownOptions } from "./shutdown.ts";
export { FakeClock, realClock, sleep } from "./clock.ts";
export type { Clock, TimerHandle } from "./clock.ts";
export { Backoff } from "./backoff.ts";
export { groupOf, gvkId, makeKey, objectKey, splitKey } from "./keys.ts";
export { KubeApiError, KubeHttp, isApiError } from "../clients/http.ts";
export type { KubeHttpOptions } from "../clients/http.ts";
export { loadKubeConfig } from "../clients/kubeconfig.ts";
export { KubeClient } from "../clients/kube.ts";
export type { EventSpec } from "../clients/kube.ts";
export * from "./core-kinds.ts";
