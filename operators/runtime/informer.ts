// Shared informer: one cache per GVK, kept current by list + watch.
//
// Loop (client-go reflector semantics, plus what client-node's ListWatch lacks):
//  - list with pagination, replace the cache, emit adds/updates and synthetic deletes for objects
//    that vanished while we were not watching;
//  - watch from the list's resourceVersion with allowWatchBookmarks and a random timeoutSeconds in
//    [300, 600] so replicas do not reconnect in lockstep;
//  - a clean end resumes from the last seen resourceVersion (bookmarks keep it fresh);
//  - 410 Gone (HTTP or ERROR event) clears the resourceVersion → relist;
//  - other failures back off 0.8 s → 30 s with jitter;
//  - an inactivity watchdog aborts a stream that went silent (half-open TCP after an apiserver
//    restart or a load-balancer drop), because a relist timer alone does not revive it.
// Objects are kept as the raw JSON the server sent (timestamps stay strings), passed through a
// `transform` (default: drop metadata.managedFields and kubectl's last-applied-configuration
// annotation, like controller-runtime's TransformStripManagedFields; they are often half of an
// object's size and no controller reads them from a cache) and deep-frozen, so a controller
// mutating a cached object fails loudly instead of corrupting the cache.
// Memory: list pages are bounded (`limit`, default 500) so a relist never builds one giant string;
// the cache is the only long-lived copy of each object (handlers get the cached instance).
import type { KubeRequest } from "../clients/http.ts";
import { KubeApiError, KubeHttp, isApiError } from "../clients/http.ts";
import { resourcePath } from "../clients/paths.ts";
import { Backoff } from "./backoff.ts";
import type { BackoffOptions } from "./backoff.ts";
import { realClock, sleep } from "./clock.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { Indexer } from "./indexer.ts";
import type { IndexFunc } from "./indexer.ts";
import { gvkId, objectKey } from "./keys.ts";
import type { Logger } from "./logger.ts";
import type { GroupVersionKind, KubernetesObject } from "./types.ts";

/** Read access to a synced cache. */
export interface Informer<T> {
  /** Object by key ("namespace/name" or "name"). Do not mutate: objects are frozen. */
  get(key: string): T | undefined;
  /** All objects, or those in `namespace`. */
  list(namespace?: string): T[];
  /** True once the first list has been applied. */
  hasSynced(): boolean;
}

/** A cache with secondary indexes (see indexer.ts: by owner UID, by label). */
export interface IndexedInformer<T> extends Informer<T> {
  /** Adds a named index; existing objects are indexed at once. */
  addIndex(name: string, fn: IndexFunc): void;
  /** Cached objects indexed under `value` in index `name`. */
  byIndex(name: string, value: string): T[];
}

/** Event callbacks. They run synchronously after the cache is updated; exceptions are logged. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** Also called with the last known state for objects that vanished during a watch gap. */
  onDelete?(obj: T): void;
}

/** Hooks for informer metrics. */
export interface InformerMetrics {
  relisted(gvk: string): void;
  restarted(gvk: string, reason: "closed" | "error" | "inactive" | "gone"): void;
}

/** Options for `SharedInformer`. */
export interface InformerOptions {
  http: KubeHttp;
  gvk: GroupVersionKind;
  /** Watch only this namespace (ignored for cluster-scoped kinds). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  metrics?: InformerMetrics;
  /** Abort a watch that delivered nothing (not even a bookmark) for this long; default 3 min. */
  inactivityTimeoutMs?: number;
  /** Watch `timeoutSeconds`; default random in [300, 600]. */
  watchTimeoutSeconds?: () => number;
  backoff?: Partial<BackoffOptions>;
  /** Re-deliver every cached object as an update this often (±10 %); 0 = never. */
  resyncPeriodMs?: number;
  /** List page size; default 500. */
  pageSize?: number;
  /**
   * Applied to every object before it is cached and handed to handlers (it may return its input
   * changed or a copy; the result is frozen). Default `stripManagedFields`; pass `null` to cache
   * objects as sent.
   */
  transform?: CacheTransform | null;
}

/** Shapes objects before they enter a cache (controller-runtime `cache.TransformFunc`). */
export type CacheTransform = (obj: KubernetesObject) => KubernetesObject;

/** kubectl client-side apply's copy of the whole object, often the largest annotation. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Default cache transform: removes `metadata.managedFields` and the last-applied-configuration
 * annotation (controller-runtime TransformStripManagedFields). Copies `metadata` only if needed.
 */
export function stripManagedFields(obj: KubernetesObject): KubernetesObject {
  const md = obj.metadata;
  if (md === undefined) return obj;
  const hasLastApplied = md.annotations !== undefined && LAST_APPLIED_ANNOTATION in md.annotations;
  if (md.managedFields === undefined && !hasLastApplied) return obj;
  const { managedFields: _mf, ...metadata } = md;
  if (hasLastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _la, ...annotations } = md.annotations ?? {};
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  return { ...obj, metadata };
}

interface ObjectList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubernetesObject[];
}

interface WatchEvent {
  type?: string;
  object?: KubernetesObject & { code?: number; message?: string; reason?: string };
}

type WatchEnd = "closed" | "inactive" | "stopped";

/** A single watch event line longer than this is treated as a broken stream (64 MiB). */
const MAX_WATCH_LINE = 64 * 1024 * 1024;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** Thrown inside the loop when the server says our resourceVersion is too old. */
class GoneError extends Error {}

/** A list+watch cache for one GVK with handler fan-out. */
export class SharedInformer<
  T extends KubernetesObject = KubernetesObject,
> implements IndexedInformer<T> {
  readonly gvk: GroupVersionKind;
  readonly #opts: InformerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #id: string;
  readonly #transform: CacheTransform | null;
  #store = new Map<string, T>();
  readonly #indexer = new Indexer();
  #handlers: InformerHandlers<T>[] = [];
  #rv: string | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #lastEventAt: number;
  #lastListAt = Number.NEGATIVE_INFINITY;
  #resyncTimer: TimerHandle | undefined;

  constructor(opts: InformerOptions) {
    this.gvk = opts.gvk;
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? Math.random;
    this.#backoff = new Backoff(opts.backoff, this.#clock, this.#random);
    this.#id = gvkId(opts.gvk);
    this.#transform = opts.transform === undefined ? stripManagedFields : opts.transform;
    this.#log = opts.logger.child({ informer: this.#id });
    this.#lastEventAt = this.#clock.monotonic();
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.#store.values()];
    const out: T[] = [];
    for (const o of this.#store.values()) if (o.metadata?.namespace === namespace) out.push(o);
    return out;
  }

  addIndex(name: string, fn: IndexFunc): void {
    if (this.#indexer.has(name)) return;
    this.#indexer.add(name, fn, this.#store.values());
  }

  byIndex(name: string, value: string): T[] {
    const out: T[] = [];
    for (const k of this.#indexer.keys(name, value)) {
      const obj = this.#store.get(k);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** Number of cached objects. */
  size(): number {
    return this.#store.size;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Last resourceVersion seen (list, event or bookmark); opaque. */
  resourceVersion(): string | undefined {
    return this.#rv;
  }

  /** Seconds since the last list, watch event or bookmark. */
  lastEventAgeSeconds(): number {
    return (this.#clock.monotonic() - this.#lastEventAt) / 1000;
  }

  /** Registers callbacks; when already synced, current objects are replayed as adds. */
  addHandlers(h: InformerHandlers<T>): void {
    this.#handlers.push(h);
    if (this.#synced) for (const obj of this.#store.values()) this.#call(h, "onAdd", obj);
  }

  /** Starts the list/watch loop (idempotent). */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#loop = this.#run();
    this.#scheduleResync();
  }

  /** Stops the loop and waits for it to exit. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#resyncTimer?.cancel();
    await this.#loop;
  }

  /** Resolves true once synced, false if `signal` aborts or `timeoutMs` passes first. */
  waitForSync(timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (v: boolean): void => {
        timer?.cancel();
        signal?.removeEventListener("abort", onAbort);
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== onSync);
        resolve(v);
      };
      const onSync = (): void => {
        finish(true);
      };
      const onAbort = (): void => {
        finish(false);
      };
      this.#syncWaiters.push(onSync);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(timeoutMs))
        timer = this.#clock.setTimer(() => {
          finish(false);
        }, timeoutMs);
    });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        if (this.#rv === undefined) await this.#relist(signal);
        const started = this.#clock.monotonic();
        const end = await this.#watch(signal);
        if (end === "stopped") break;
        this.#opts.metrics?.restarted(this.#id, end);
        this.#log.debug({ reason: end, resourceVersion: this.#rv }, "Restarting watch");
        // A server that closes at once would make us spin; back off unless the watch lived a while.
        if (this.#clock.monotonic() - started < 1000)
          await sleep(this.#backoff.next(), this.#clock, signal);
      } catch (err) {
        if (this.#stopped()) break;
        await this.#onError(err, signal);
      }
    }
  }

  async #onError(err: unknown, signal: AbortSignal): Promise<void> {
    if (err instanceof GoneError || isApiError(err, 410)) {
      this.#opts.metrics?.restarted(this.#id, "gone");
      this.#log.info({ resourceVersion: this.#rv }, "Watch resourceVersion expired, relisting");
      this.#rv = undefined;
      // 410 right after a fresh list (e.g. a restarted apiserver whose watch cache is still
      // filling) would turn into a list storm; back off then, relist at once otherwise.
      if (this.#clock.monotonic() - this.#lastListAt < 1000)
        await sleep(this.#backoff.next(), this.#clock, signal);
      return;
    }
    this.#opts.metrics?.restarted(this.#id, "error");
    let delay = this.#backoff.next();
    if (err instanceof KubeApiError && err.retryAfterMs !== undefined)
      delay = Math.max(delay, err.retryAfterMs);
    this.#log.warn({ err, delayMs: Math.round(delay) }, "List/watch failed, retrying");
    await sleep(delay, this.#clock, signal);
  }

  #query(): KubeRequest["query"] {
    return { labelSelector: this.#opts.labelSelector, fieldSelector: this.#opts.fieldSelector };
  }

  #path(): string {
    return resourcePath(this.gvk, this.gvk.namespaced ? this.#opts.namespace : undefined);
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const res = await this.#opts.http.request<ObjectList>({
        method: "GET",
        path: this.#path(),
        query: { ...this.#query(), limit: this.#opts.pageSize ?? 500, continue: cont },
        signal,
      });
      for (const item of res.body.items ?? []) items.push(this.#normalize(item));
      cont = res.body.metadata?.continue;
      rv = res.body.metadata?.resourceVersion;
    } while (cont !== undefined && cont !== "");
    this.#replace(items);
    this.#rv = rv;
    this.#lastListAt = this.#clock.monotonic();
    this.#touch();
    this.#opts.metrics?.relisted(this.#id);
    this.#log.debug({ count: items.length, resourceVersion: rv }, "Listed objects");
    if (!this.#synced) {
      this.#synced = true;
      for (const w of [...this.#syncWaiters]) w();
    }
  }

  /** Swaps in a fresh list, emitting adds, updates for changed objects and synthetic deletes. */
  #replace(items: T[]): void {
    const old = this.#store;
    const next = new Map<string, T>();
    for (const obj of items) next.set(objectKey(obj), obj);
    this.#store = next;
    for (const [key, prev] of old) if (!next.has(key)) this.#indexer.update(key, prev, undefined);
    for (const [key, obj] of next) this.#indexer.update(key, old.get(key), obj);
    for (const [key, obj] of next) {
      const prev = old.get(key);
      if (prev === undefined) this.#emit("onAdd", obj);
      else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.#emit("onUpdate", prev, obj);
    }
    for (const [key, prev] of old) {
      if (!next.has(key)) this.#emit("onDelete", prev);
    }
  }

  /** Streams one watch; resolves with why it ended, throws on HTTP errors and ERROR events. */
  async #watch(stopSignal: AbortSignal): Promise<WatchEnd> {
    // stop() may have run while the list was finishing: an abort listener added now would never
    // fire, and the watch would live until the watchdog.
    if (stopSignal.aborted) return "stopped";
    const ac = new AbortController();
    const onStop = (): void => {
      ac.abort();
    };
    stopSignal.addEventListener("abort", onStop, { once: true });
    const state = { inactive: false }; // an object, so TS does not narrow it across the await
    const inactivityMs = this.#opts.inactivityTimeoutMs ?? 180_000;
    let watchdog: TimerHandle | undefined;
    const arm = (): void => {
      watchdog?.cancel();
      watchdog = this.#clock.setTimer(() => {
        state.inactive = true;
        ac.abort();
      }, inactivityMs);
    };
    const timeoutSeconds =
      this.#opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(this.#random() * 301);
    const req: KubeRequest = {
      method: "GET",
      path: this.#path(),
      query: {
        ...this.#query(),
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: this.#rv,
        timeoutSeconds,
      },
      signal: ac.signal,
    };
    arm(); // also bounds a connect/headers phase that hangs
    try {
      await this.#stream(req, arm);
      return "closed";
    } catch (err) {
      if (this.#stopped()) return "stopped";
      if (state.inactive) {
        this.#log.warn(
          { inactivityMs, resourceVersion: this.#rv },
          "Watch went silent, reconnecting",
        );
        return "inactive";
      }
      throw err;
    } finally {
      watchdog?.cancel();
      ac.abort(); // release the connection whatever ended the stream
      stopSignal.removeEventListener("abort", onStop);
    }
  }

  async #stream(req: KubeRequest, onData: () => void): Promise<void> {
    const res = await this.#opts.http.raw(req);
    if (res.status !== 200 || res.body === null) throw await KubeHttp.errorFrom(res, req);
    onData();
    const decoder = new TextDecoder();
    // Only the unterminated tail of the previous chunk is carried over; complete lines are sliced
    // out of the current chunk in place (no re-concatenation or re-scanning of the whole buffer).
    let partial = "";
    for await (const chunk of res.body) {
      onData();
      const text = decoder.decode(chunk as Uint8Array, { stream: true });
      let start = 0;
      let nl = text.indexOf("\n");
      if (nl >= 0 && partial !== "") {
        const line = partial + text.slice(0, nl);
        partial = "";
        this.#onLine(line);
        start = nl + 1;
        nl = text.indexOf("\n", start);
      }
      for (; nl >= 0; nl = text.indexOf("\n", start)) {
        if (nl > start) this.#onLine(text.slice(start, nl));
        start = nl + 1;
      }
      if (start < text.length) partial += text.slice(start);
      if (partial.length > MAX_WATCH_LINE)
        throw new Error(`watch event larger than ${MAX_WATCH_LINE} characters`);
    }
  }

  #onLine(raw: string): void {
    const line = raw.trim();
    if (line === "") return;
    let ev: WatchEvent;
    try {
      ev = JSON.parse(line) as WatchEvent;
    } catch {
      this.#log.warn({ line: line.slice(0, 200) }, "Ignored undecodable watch line");
      return;
    }
    const obj = ev.object;
    if (obj === undefined) return;
    if (ev.type === "ERROR") {
      if (obj.code === 410) throw new GoneError(obj.message ?? "resourceVersion too old");
      throw new KubeApiError(obj.code ?? 500, obj, "WATCH", this.#path());
    }
    this.#touch();
    const rv = obj.metadata?.resourceVersion;
    if (ev.type === "BOOKMARK") {
      if (rv !== undefined) this.#rv = rv;
      return;
    }
    this.#apply(ev.type, this.#normalize(obj));
    if (rv !== undefined) this.#rv = rv;
  }

  #apply(type: string | undefined, obj: T): void {
    const key = objectKey(obj);
    const prev = this.#store.get(key);
    if (type === "ADDED" || type === "MODIFIED") {
      this.#store.set(key, obj);
      this.#indexer.update(key, prev, obj);
      if (prev === undefined) this.#emit("onAdd", obj);
      else this.#emit("onUpdate", prev, obj);
    } else if (type === "DELETED") {
      this.#store.delete(key);
      this.#indexer.update(key, prev, undefined);
      this.#emit("onDelete", obj);
    }
  }

  /** List items lack apiVersion/kind; fill them so cached objects look like watch objects. */
  #normalize(obj: KubernetesObject): T {
    // The parsed object is ours alone (nothing else references it), so set fields in place
    // instead of copying it; only the transform may copy (the metadata it rewrites).
    obj.apiVersion = this.gvk.apiVersion;
    obj.kind = this.gvk.kind;
    const out = this.#transform === null ? obj : this.#transform(obj);
    return deepFreeze(out as T);
  }

  /** Read through a method: TS narrows `signal.aborted` across awaits as if it could not change. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #touch(): void {
    this.#lastEventAt = this.#clock.monotonic();
  }

  #scheduleResync(): void {
    const period = this.#opts.resyncPeriodMs ?? 0;
    if (period <= 0 || this.#stop.signal.aborted) return;
    const jittered = period * (0.9 + this.#random() * 0.2);
    this.#resyncTimer = this.#clock.setTimer(() => {
      if (this.#synced) for (const obj of this.#store.values()) this.#emit("onUpdate", obj, obj);
      this.#scheduleResync();
    }, jittered);
  }

  #emit(kind: "onAdd" | "onDelete", obj: T): void;
  #emit(kind: "onUpdate", oldObj: T, obj: T): void;
  #emit(kind: keyof InformerHandlers<T>, a: T, b?: T): void {
    for (const h of this.#handlers) this.#call(h, kind, a, b);
  }

  /** Handlers must never break the watch loop: catch and log. */
  #call(h: InformerHandlers<T>, kind: keyof InformerHandlers<T>, a: T, b?: T): void {
    try {
      if (kind === "onUpdate") h.onUpdate?.(a, b ?? a);
      else h[kind]?.(a);
    } catch (err) {
      this.#log.error({ err, handler: kind, key: objectKey(a) }, "Event handler threw");
    }
  }
}
