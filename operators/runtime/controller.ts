// One controller: maps informer events to keys, feeds its work queue, and runs N workers that call
// `reconcile(key)` and translate the outcome into queue operations and metrics
// (controller-runtime pkg/internal/controller/controller.go reconcileHandler).
import { randomUUID } from "node:crypto";
import { realClock } from "./clock.ts";
import type { Clock } from "./clock.ts";
import { ReturnEarly, isTerminal } from "./errors.ts";
import type { InformerHandlers } from "./informer.ts";
import { groupOf, makeKey, objectKey } from "./keys.ts";
import type { Logger } from "./logger.ts";
import type { ReconcileOutcome, RuntimeMetrics } from "./metrics.ts";
import type { RateLimiter } from "./ratelimiter.ts";
import type {
  ControllerDefinition,
  GroupVersionKind,
  KubernetesObject,
  ReconcileResult,
} from "./types.ts";
import { WorkQueue } from "./workqueue.ts";

/** Options for `Controller`. */
export interface ControllerOptions {
  logger: Logger;
  metrics: RuntimeMetrics;
  clock?: Clock;
  rateLimiter?: RateLimiter;
  /**
   * Checked before each reconcile: false means this replica must not act (leadership lapsed);
   * the key is not processed and the controller stops taking work.
   */
  mayReconcile?: () => boolean;
}

/**
 * Keys of the owners of `obj` that are of kind `owner`: the ownerReference with `controller: true`
 * whose group and kind match (the version may differ, as in controller-runtime EnqueueRequestForOwner).
 */
export function ownerKeys(
  obj: KubernetesObject,
  owner: Pick<GroupVersionKind, "apiVersion" | "kind" | "namespaced">,
): string[] {
  const group = groupOf(owner.apiVersion);
  const keys: string[] = [];
  for (const ref of obj.metadata?.ownerReferences ?? []) {
    if (ref.controller !== true || ref.kind !== owner.kind || ref.name === undefined) continue;
    if (groupOf(ref.apiVersion ?? "") !== group) continue;
    // Owners are in the child's namespace, or cluster-scoped.
    keys.push(owner.namespaced ? makeKey(obj.metadata?.namespace, ref.name) : ref.name);
  }
  return keys;
}

/** Handlers that enqueue `map(obj)` for add/delete and for both old and new object on update. */
export function mappingHandlers(
  enqueue: (key: string) => void,
  map: (obj: KubernetesObject) => string[],
): InformerHandlers<KubernetesObject> {
  const each = (obj: KubernetesObject): void => {
    for (const k of map(obj)) enqueue(k);
  };
  return {
    onAdd: each,
    onUpdate: (oldObj, newObj) => {
      each(oldObj);
      each(newObj);
    },
    onDelete: each,
  };
}

/** A running controller (queue + workers). */
export class Controller {
  readonly def: ControllerDefinition;
  readonly queue: WorkQueue;
  readonly #log: Logger;
  readonly #mayReconcile: (() => boolean) | undefined;
  readonly #metrics: RuntimeMetrics;
  readonly #clock: Clock;
  readonly #abort = new AbortController();
  #workers: Promise<void>[] = [];

  constructor(def: ControllerDefinition, opts: ControllerOptions) {
    this.def = def;
    this.#log = opts.logger.child({ controller: def.name });
    this.#metrics = opts.metrics;
    this.#clock = opts.clock ?? realClock;
    this.#mayReconcile = opts.mayReconcile;
    // The probe reads the queue lazily, at scrape time, so it can be built before the queue.
    const probe = {
      unfinishedWorkSeconds: () => this.queue.unfinishedWorkSeconds(),
      longestRunningProcessorSeconds: () => this.queue.longestRunningProcessorSeconds(),
    };
    const queueOpts: ConstructorParameters<typeof WorkQueue>[0] = {
      name: def.name,
      clock: this.#clock,
      metrics: opts.metrics.queueMetrics(def.name, probe),
    };
    if (opts.rateLimiter !== undefined) queueOpts.rateLimiter = opts.rateLimiter;
    this.queue = new WorkQueue(queueOpts);
    opts.metrics.initController(def.name, this.workers());
  }

  /** Worker count (`maxConcurrentReconciles`, default 1). */
  workers(): number {
    return Math.max(1, this.def.maxConcurrentReconciles ?? 1);
  }

  /** Handlers for the primary kind. */
  forHandlers(): InformerHandlers<KubernetesObject> {
    const handlers = mappingHandlers(this.#enqueue, (o) => [objectKey(o)]);
    const pass = this.def.forUpdatePredicate;
    if (pass === undefined) return handlers;
    return {
      ...handlers,
      onUpdate: (oldObj, newObj) => {
        if (pass(oldObj, newObj)) this.#enqueue(objectKey(newObj));
      },
    };
  }

  /** Handlers for an owned kind. */
  ownsHandlers(): InformerHandlers<KubernetesObject> {
    return mappingHandlers(this.#enqueue, (o) => ownerKeys(o, this.def.for));
  }

  /** Handlers for a mapped watch; a throwing map is logged and ignored. */
  watchHandlers(map: (obj: KubernetesObject) => string[]): InformerHandlers<KubernetesObject> {
    return mappingHandlers(this.#enqueue, (o) => {
      try {
        return map(o);
      } catch (err) {
        this.#log.error({ err, object: objectKey(o) }, "Watch map function threw");
        return [];
      }
    });
  }

  readonly #enqueue = (key: string): void => {
    this.queue.add(key);
  };

  /** Starts the workers. */
  start(): void {
    for (let i = 0; i < this.workers(); i++) this.#workers.push(this.#worker());
    this.#log.info({ workers: this.workers() }, "Started workers");
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for in-flight reconciles; then aborts their
   * signal. Resolves true if everything finished in time.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    const drained = await this.queue.shutDownWithDrain(timeoutMs);
    if (!drained) {
      this.#log.warn({ timeoutMs }, "Reconciles still running at shutdown deadline, aborting them");
      this.#abort.abort();
    }
    if (drained) await Promise.all(this.#workers);
    return drained;
  }

  /** Stops taking work and aborts the signal of in-flight reconciles (lost leadership). */
  abort(): void {
    this.queue.shutDown();
    this.#abort.abort();
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (this.#mayReconcile !== undefined && !this.#mayReconcile()) {
        this.queue.done(key);
        this.abort();
        return;
      }
      await this.#process(key);
    }
  }

  async #process(key: string): Promise<void> {
    const name = this.def.name;
    const log = this.#log.child({ key, reconcileID: randomUUID() });
    const started = this.#clock.monotonic();
    this.#metrics.activeWorkers.inc({ controller: name });
    let outcome: ReconcileOutcome;
    try {
      const res = await this.def.reconcile(key, { log, signal: this.#abort.signal });
      outcome = this.#onResult(key, res);
    } catch (err) {
      outcome = this.#onError(key, err, log);
    } finally {
      this.#metrics.activeWorkers.dec({ controller: name });
      this.#metrics.reconcileTime.observe(
        { controller: name },
        (this.#clock.monotonic() - started) / 1000,
      );
      this.queue.done(key);
    }
    this.#metrics.reconcileTotal.inc({ controller: name, result: outcome });
  }

  #onResult(key: string, res: ReconcileResult | undefined): ReconcileOutcome {
    if (res?.requeueAfterMs !== undefined && res.requeueAfterMs > 0) {
      this.queue.forget(key);
      this.queue.addAfter(key, res.requeueAfterMs);
      return "requeue_after";
    }
    if (res?.requeue === true) {
      this.queue.addRateLimited(key);
      return "requeue";
    }
    this.queue.forget(key);
    return "success";
  }

  #onError(key: string, err: unknown, log: Logger): ReconcileOutcome {
    if (err instanceof ReturnEarly) {
      this.queue.forget(key);
      return "success";
    }
    this.#metrics.reconcileErrors.inc({ controller: this.def.name });
    if (isTerminal(err)) {
      this.#metrics.terminalErrors.inc({ controller: this.def.name });
      this.queue.forget(key);
      log.error({ err }, "Reconciler error (terminal, not retried)");
      return "error";
    }
    this.queue.addRateLimited(key);
    log.error({ err, requeues: this.queue.numRequeues(key) }, "Reconciler error");
    return "error";
  }
}
