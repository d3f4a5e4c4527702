// The manager owns the shared caches, controllers, leader election and the probe/metrics servers.
// Start order mirrors controller-runtime: servers → caches (on every replica, so standbys are
// warm and ready) → leader election → workers. Stop order: stop taking work → drain in-flight
// reconciles → stop caches → release the Lease → close servers.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import { KubeHttp } from "../clients/http.ts";
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";
import { Controller } from "./controller.ts";
import { healthHandler, listen, metricsHandler } from "./health.ts";
import type { MetricsAuthorizer } from "./metrics-auth.ts";
import type { ReadyCheck, RunningServer } from "./health.ts";
import { CONFIG_MAP, SECRET } from "./core-kinds.ts";
import type { CacheTransform, IndexedInformer } from "./informer.ts";
import { SharedInformer } from "./informer.ts";
import { gvkId } from "./keys.ts";
import { LeaderElector } from "./leader-election.ts";
import { createLogger } from "./logger.ts";
import type { Logger } from "./logger.ts";
import { RuntimeMetrics } from "./metrics.ts";
import { dropDataValues } from "./transforms.ts";
import type { ControllerDefinition, GroupVersionKind, KubernetesObject } from "./types.ts";

/** Leader election settings (client-go defaults 15 s / 10 s / 2 s). */
export interface LeaderElectionOptions {
  leaseName: string;
  leaseNamespace: string;
  /** Default: "<hostname>_<uuid>" (unique per process, as controller-runtime does). */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when leadership is lost; default logs and `process.exit(1)` like controller-runtime. */
  onLostLeadership?: () => void;
}

/** Address to serve on; host defaults to 127.0.0.1, port 0 picks a free port. */
export interface ServeAddress {
  host?: string;
  port: number;
}

/** Options for `Manager`. */
export interface ManagerOptions {
  kubeConfig: KubeConfig;
  name: string;
  /** Watch only this namespace; undefined = all namespaces. */
  namespace?: string;
  leaderElection?: LeaderElectionOptions;
  metricsAddress?: ServeAddress;
  healthAddress?: ServeAddress;
  logger?: Logger;
  /** Max wait for the initial list of every cache; default 2 min. */
  cacheSyncTimeoutMs?: number;
  /** Max wait for in-flight reconciles on stop; default 30 s. */
  gracefulShutdownTimeoutMs?: number;
  /** Informer resync (re-deliver cached objects as updates); default 10 h ±10 %, 0 = off. */
  syncPeriodMs?: number;
  /** Watch inactivity watchdog; default 3 min. */
  watchInactivityTimeoutMs?: number;
  /**
   * Cache transform per kind (controller-runtime `cache.Options.ByObject[].Transform`): return a
   * function to use it, `null` to cache objects as sent, `undefined` for the default, which drops
   * managedFields and the last-applied-configuration annotation (`stripManagedFields`), and for
   * Secrets and ConfigMaps also every data value (`dropDataValues`: key names only).
   */
  cacheTransform?: (gvk: GroupVersionKind) => CacheTransform | null | undefined;
  /** Own registry; default a fresh one with process metrics. */
  registry?: Registry;
  clock?: Clock;
}

/** Per-kind cache settings (controller-runtime cache.Options.ByObject). */
export interface CacheOptions {
  /** Cache only objects matching this label selector (e.g. the ones the operator labelled). */
  labelSelector?: string;
  fieldSelector?: string;
  /** As ManagerOptions.cacheTransform, for this kind; wins over it. */
  transform?: CacheTransform | null;
}

/** Runs controllers against shared informer caches. */
export class Manager {
  readonly registry: Registry;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly http: KubeHttp;
  #metricsServer: RunningServer | undefined;
  #metricsAuthorizer: MetricsAuthorizer | undefined;
  #healthServer: RunningServer | undefined;
  readonly #opts: ManagerOptions;
  readonly #clock: Clock;
  readonly #informers = new Map<string, SharedInformer>();
  readonly #cacheOptions = new Map<string, CacheOptions>();
  readonly #controllers: Controller[] = [];
  readonly #elector: LeaderElector | undefined;
  readonly #stopping = new AbortController();
  #started = false;
  #workersStarted = false;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? createLogger()).child({ manager: opts.name });
    this.metrics = new RuntimeMetrics(opts.registry);
    this.registry = this.metrics.registry;
    this.http = new KubeHttp(opts.kubeConfig);
    this.#elector =
      opts.leaderElection === undefined ? undefined : this.#makeElector(opts.leaderElection);
  }

  /**
   * Serve /metrics only to callers the authorizer allows (controller-runtime's secure metrics
   * filter). Set before start; it usually needs this manager's `http`, hence not an option.
   */
  setMetricsAuthorizer(authorizer: MetricsAuthorizer): void {
    this.#metricsAuthorizer = authorizer;
  }

  /** URL of the metrics server once started ("http://127.0.0.1:port"). */
  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  /** URL of the health server once started. */
  get healthUrl(): string | undefined {
    return this.#healthServer?.url;
  }

  /** True if leader election is off or this replica holds the lease. */
  isLeader(): boolean {
    return this.#elector === undefined ? this.#workersStarted : this.#elector.isLeader();
  }

  /** The shared cache for `gvk` (one per kind). Objects are frozen: copy before mutating. */
  informer<T extends KubernetesObject>(gvk: GroupVersionKind): IndexedInformer<T> {
    return this.#informer(gvk) as unknown as IndexedInformer<T>;
  }

  /**
   * Narrows or reshapes the cache of `gvk` (label selector, transform). Must come before anything
   * asks for that informer, since one cache serves every controller of the manager.
   */
  configureCache(gvk: GroupVersionKind, opts: CacheOptions): void {
    const id = gvkId(gvk);
    if (this.#informers.has(id))
      throw new Error(`configureCache(${id}) after the informer was created`);
    this.#cacheOptions.set(id, { ...this.#cacheOptions.get(id), ...opts });
  }

  #transformFor(
    gvk: GroupVersionKind,
    byKind: CacheOptions | undefined,
  ): CacheTransform | null | undefined {
    if (byKind !== undefined && "transform" in byKind) return byKind.transform;
    const configured = this.#opts.cacheTransform?.(gvk);
    if (configured !== undefined) return configured;
    const id = gvkId(gvk);
    return id === gvkId(SECRET) || id === gvkId(CONFIG_MAP) ? dropDataValues : undefined;
  }

  #informer(gvk: GroupVersionKind): SharedInformer {
    const id = gvkId(gvk);
    let inf = this.#informers.get(id);
    if (inf !== undefined) return inf;
    const o = this.#opts;
    const byKind = this.#cacheOptions.get(id);
    const transform = this.#transformFor(gvk, byKind);
    const probe = {
      lastEventAgeSeconds: () => inf?.lastEventAgeSeconds() ?? 0,
      hasSynced: () => inf?.hasSynced() ?? false,
    };
    const created = new SharedInformer({
      http: this.http,
      gvk,
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      logger: this.log,
      clock: this.#clock,
      metrics: this.metrics.informerMetrics(id, probe),
      resyncPeriodMs: o.syncPeriodMs ?? 10 * 60 * 60 * 1000,
      ...(o.watchInactivityTimeoutMs !== undefined
        ? { inactivityTimeoutMs: o.watchInactivityTimeoutMs }
        : {}),
      ...(transform !== undefined ? { transform } : {}),
      ...(byKind?.labelSelector !== undefined ? { labelSelector: byKind.labelSelector } : {}),
      ...(byKind?.fieldSelector !== undefined ? { fieldSelector: byKind.fieldSelector } : {}),
    });
    inf = created;
    this.#informers.set(id, created);
    if (this.#started) created.start();
    return created;
  }

  /** Registers a controller and wires its informers. Call before `start`. */
  addController(def: ControllerDefinition): void {
    if (this.#started) throw new Error(`addController(${def.name}) after start`);
    if (this.#controllers.some((c) => c.def.name === def.name))
      throw new Error(`duplicate controller name ${def.name}`);
    const elector = this.#elector;
    const c = new Controller(def, {
      logger: this.log,
      metrics: this.metrics,
      clock: this.#clock,
      ...(elector !== undefined ? { mayReconcile: () => elector.stillLeader() } : {}),
    });
    this.#informer(def.for).addHandlers(c.forHandlers());
    for (const gvk of def.owns ?? []) this.#informer(gvk).addHandlers(c.ownsHandlers());
    for (const w of def.watches ?? []) this.#informer(w.gvk).addHandlers(c.watchHandlers(w.map));
    this.#controllers.push(c);
  }

  /**
   * Serves probes/metrics, syncs caches, waits for leadership (if enabled) and starts workers.
   * Rejects if caches do not sync within `cacheSyncTimeoutMs`. If `stop` is called meanwhile (e.g.
   * SIGTERM to a standby), it resolves without starting workers, like controller-runtime's Start
   * returning nil on a cancelled context; `isStopping()` tells the two apart.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("manager already started");
    this.#started = true;
    await this.#startServers();
    for (const inf of this.#informers.values()) inf.start();
    await this.#waitForCaches();
    if (this.#elector !== undefined && !this.isStopping()) {
      this.log.info({ lease: this.#opts.leaderElection?.leaseName }, "Waiting for leadership");
      await this.#elector.acquire();
    }
    if (this.isStopping()) {
      this.log.info("Manager stopped before workers started");
      return;
    }
    for (const c of this.#controllers) c.start();
    this.#workersStarted = true;
    this.log.info({ controllers: this.#controllers.map((c) => c.def.name) }, "Started manager");
  }

  /** True once `stop` has been called. */
  isStopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** Graceful stop; safe to call more than once and before `start` finished. */
  async stop(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    this.#stopping.abort();
    const timeout = this.#opts.gracefulShutdownTimeoutMs ?? 30_000;
    const drained = await Promise.all(this.#controllers.map((c) => c.stop(timeout)));
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    // Only now, with no reconcile running, may another replica take over.
    await this.#elector?.release();
    await Promise.all([this.#metricsServer?.close(), this.#healthServer?.close()]);
    await this.http.close();
    this.log.info({ drained: drained.every(Boolean) }, "Stopped manager");
  }

  async #startServers(): Promise<void> {
    const o = this.#opts;
    if (o.metricsAddress !== undefined) {
      this.#metricsServer = await listen(
        o.metricsAddress.host ?? "127.0.0.1",
        o.metricsAddress.port,
        metricsHandler(this.registry, this.#metricsAuthorizer),
      );
    }
    if (o.healthAddress !== undefined) {
      this.#healthServer = await listen(
        o.healthAddress.host ?? "127.0.0.1",
        o.healthAddress.port,
        healthHandler(() => this.#readyChecks()),
      );
    }
    // Logged before caches sync and before leadership, so a standby's endpoints are discoverable.
    this.log.info(
      { metrics: this.metricsUrl ?? "", health: this.healthUrl ?? "" },
      "Serving metrics and probes",
    );
  }

  #readyChecks(): [string, ReadyCheck][] {
    const checks: [string, ReadyCheck][] = [...this.#informers].map(([id, inf]) => [
      `informer-sync: ${id}`,
      () => inf.hasSynced(),
    ]);
    checks.push(["shutdown", () => !this.#stopping.signal.aborted]);
    return checks;
  }

  async #waitForCaches(): Promise<void> {
    const timeout = this.#opts.cacheSyncTimeoutMs ?? 120_000;
    const results = await Promise.all(
      [...this.#informers.values()].map(async (inf) => ({
        id: gvkId(inf.gvk),
        ok: await inf.waitForSync(timeout, this.#stopping.signal),
      })),
    );
    if (this.isStopping()) return;
    const failed = results.filter((r) => !r.ok).map((r) => r.id);
    if (failed.length > 0)
      throw new Error(`timed out waiting for cache sync: ${failed.join("; ")}`);
  }

  #makeElector(le: LeaderElectionOptions): LeaderElector {
    const identity = le.identity ?? `${hostname()}_${randomUUID()}`;
    const gauge = this.metrics.leaderStatus;
    gauge.set({ name: le.leaseName }, 0);
    const onLost =
      le.onLostLeadership ??
      ((): void => {
        this.log.fatal({ lease: le.leaseName }, "Leader election lost, exiting");
        process.exit(1);
      });
    return new LeaderElector({
      http: this.http,
      leaseName: le.leaseName,
      leaseNamespace: le.leaseNamespace,
      identity,
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      logger: this.log,
      clock: this.#clock,
      onLost: () => {
        // Stop reconciling at once, whatever the callback does (it may not exit the process).
        for (const c of this.#controllers) c.abort();
        onLost();
      },
      onStatus: (leader) => {
        gauge.set({ name: le.leaseName }, leader ? 1 : 0);
      },
    });
  }
}
