// Thin, kind-agnostic Kubernetes client for controllers: server-side apply (object and /status),
// get, delete with preconditions, finalizer edits that cannot clobber other controllers, and
// de-duplicated Events. Everything is plain JSON over `KubeHttp` (fetch + KubeConfig auth); we do
// not go through KubernetesObjectApi's serializer, which converts timestamps to Date and drops
// fields its built-in models do not know.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { EVENT } from "../runtime/core-kinds.ts";
import type { GroupVersionKind, KubernetesObject } from "../runtime/types.ts";
import { Discovery } from "./discovery.ts";
import { KubeHttp, isApiError } from "./http.ts";
import { resourcePath } from "./paths.ts";

/** Minimal logger surface, so the client does not depend on the runtime's logger. */
export interface ClientLogger {
  warn(obj: object, msg: string): void;
}

/** Options for `KubeClient`. */
export interface KubeClientOptions {
  logger?: ClientLogger;
  /** Retries on 409 for status writes and finalizer patches; default 5. */
  conflictRetries?: number;
  /** Share a transport (and its connection pool), e.g. the manager's `http`; default a new one. */
  http?: KubeHttp;
  /** Page size of `list`; default 500. */
  listPageSize?: number;
  /** Wall clock for Event timestamps and de-duplication (tests). */
  now?: () => Date;
}

/** An Event to record against an object. */
export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  action?: string;
}

interface PatchTarget {
  gvk: GroupVersionKind;
  namespace: string | undefined;
  name: string;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
}

const APPLY_PATCH = "application/apply-patch+yaml";
const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";
/** client-go's EventCorrelator forgets similar events after 10 minutes. */
const EVENT_DEDUP_WINDOW_MS = 10 * 60 * 1000;
const EVENT_CACHE_SIZE = 4096;
const LIST_PAGE_SIZE = 500;

function nameOf(obj: KubernetesObject): { namespace: string | undefined; name: string } {
  const name = obj.metadata?.name;
  if (name === undefined || name === "")
    throw new Error(`${obj.kind ?? "object"} has no metadata.name`);
  const ns = obj.metadata?.namespace;
  return { namespace: ns === "" ? undefined : ns, name };
}

/** SSA rejects managedFields in the request, and objects copied from the cache carry them. */
function forApply<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Kind-agnostic client; one per process is enough. */
export class KubeClient {
  readonly http: KubeHttp;
  readonly discovery: Discovery;
  readonly #log: ClientLogger | undefined;
  readonly #retries: number;
  readonly #pageSize: number;
  readonly #now: () => Date;
  /** Insertion order is last-seen order (re-inserted on every use): oldest first. */
  readonly #events = new Map<string, SeenEvent>();
  readonly #host = hostname();

  constructor(kc: KubeConfig, opts: KubeClientOptions = {}) {
    this.http = opts.http ?? new KubeHttp(kc);
    this.discovery = new Discovery(this.http);
    this.#log = opts.logger;
    this.#retries = opts.conflictRetries ?? 5;
    this.#pageSize = opts.listPageSize ?? LIST_PAGE_SIZE;
    this.#now = opts.now ?? ((): Date => new Date());
  }

  async #gvkOf(obj: KubernetesObject): Promise<GroupVersionKind> {
    if (obj.apiVersion === undefined || obj.kind === undefined)
      throw new Error("object needs apiVersion and kind");
    return this.discovery.resolve(obj.apiVersion, obj.kind);
  }

  /**
   * Server-side apply of `obj` (the full intent for the fields this manager owns).
   * `force` defaults to true: a controller takes ownership of the fields it manages.
   */
  async apply<T extends KubernetesObject>(
    obj: T,
    opts: { fieldManager: string; force?: boolean },
  ): Promise<T> {
    const gvk = await this.#gvkOf(obj);
    const { namespace, name } = nameOf(obj);
    const res = await this.http.request<T>({
      method: "PATCH",
      path: resourcePath(gvk, namespace, name),
      query: { fieldManager: opts.fieldManager, force: opts.force ?? true },
      body: forApply(obj),
      contentType: APPLY_PATCH,
    });
    return res.body;
  }

  /**
   * Server-side apply to the /status subresource. `obj` needs apiVersion, kind, metadata.name
   * (+namespace) and `status`. Retries 409 Conflict with a short backoff.
   */
  async applyStatus<T extends KubernetesObject>(
    obj: T,
    opts: { fieldManager: string },
  ): Promise<T> {
    const gvk = await this.#gvkOf(obj);
    const { namespace, name } = nameOf(obj);
    return this.#withConflictRetry(async () => {
      const res = await this.http.request<T>({
        method: "PATCH",
        path: resourcePath(gvk, namespace, name, "status"),
        query: { fieldManager: opts.fieldManager, force: true },
        body: forApply(obj),
        contentType: APPLY_PATCH,
      });
      return res.body;
    });
  }

  /** Reads an object; `undefined` on 404. */
  async get<T = KubernetesObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return (
        await this.http.request<T>({ method: "GET", path: resourcePath(gvk, namespace, name) })
      ).body;
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }

  /**
   * Lists objects (uncached; prefer the manager's informer in controllers), in pages of
   * `listPageSize` so a large collection never arrives as one giant response.
   */
  async list<T = KubernetesObject>(
    gvk: GroupVersionKind,
    namespace?: string,
    opts: { labelSelector?: string } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      const res = await this.http.request<{ items?: T[]; metadata?: { continue?: string } }>({
        method: "GET",
        path: resourcePath(gvk, namespace),
        query: { labelSelector: opts.labelSelector, limit: this.#pageSize, continue: cont },
      });
      for (const item of res.body.items ?? []) out.push(item);
      cont = res.body.metadata?.continue;
    } while (cont !== undefined && cont !== "");
    return out;
  }

  /**
   * Deletes an object. Returns false if it was already gone (404) or, with `preconditionUid`, if
   * the name now belongs to a different object (409); true once deletion was accepted.
   */
  async delete(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
    opts: {
      propagationPolicy?: "Background" | "Foreground" | "Orphan";
      preconditionUid?: string;
    } = {},
  ): Promise<boolean> {
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.propagationPolicy !== undefined) body["propagationPolicy"] = opts.propagationPolicy;
    if (opts.preconditionUid !== undefined) body["preconditions"] = { uid: opts.preconditionUid };
    try {
      await this.http.request({ method: "DELETE", path: resourcePath(gvk, namespace, name), body });
      return true;
    } catch (err) {
      if (isApiError(err, 404)) return false;
      if (opts.preconditionUid !== undefined && isApiError(err, 409)) return false;
      throw err;
    }
  }

  /**
   * Adds `finalizer` if missing, with a JSON patch guarded by a `test` on resourceVersion so a
   * concurrent writer's finalizers are never overwritten; on a failed test it re-reads and retries.
   * Throws if the object is being deleted (the API server forbids new finalizers then) or is gone.
   */
  async addFinalizer(
    obj: KubernetesObject,
    finalizer: string,
    fieldManager: string,
  ): Promise<void> {
    const gvk = await this.#gvkOf(obj);
    const { namespace, name } = nameOf(obj);
    let current: KubernetesObject | undefined = obj;
    for (let attempt = 0; ; attempt++) {
      if (current === undefined)
        throw new Error(`${gvk.kind} ${namespace ?? ""}/${name} not found while adding finalizer`);
      const finalizers = current.metadata?.finalizers;
      if (finalizers?.includes(finalizer) === true) return;
      if (current.metadata?.deletionTimestamp !== undefined)
        throw new Error(`${gvk.kind} ${name} is being deleted; cannot add finalizer ${finalizer}`);
      const patch = [
        { op: "test", path: "/metadata/resourceVersion", value: current.metadata?.resourceVersion },
        finalizers === undefined
          ? { op: "add", path: "/metadata/finalizers", value: [finalizer] }
          : { op: "add", path: "/metadata/finalizers/-", value: finalizer },
      ];
      if (await this.#tryJsonPatch({ gvk, namespace, name }, patch, fieldManager, attempt)) return;
      current = await this.get(gvk, namespace, name);
    }
  }

  /**
   * Removes `finalizer` if present. The JSON patch tests the exact array element before removing
   * it, so other finalizers are untouched; a gone object counts as success. If `obj` (e.g. a
   * cached copy) lacks the finalizer, the live object is read once before concluding "absent".
   */
  async removeFinalizer(obj: KubernetesObject, finalizer: string): Promise<void> {
    const gvk = await this.#gvkOf(obj);
    const { namespace, name } = nameOf(obj);
    let current: KubernetesObject | undefined = obj;
    let reread = false;
    for (let attempt = 0; current !== undefined; attempt++) {
      const idx = current.metadata?.finalizers?.indexOf(finalizer) ?? -1;
      if (idx < 0) {
        // A stale (cached) copy may predate the finalizer; check the live object once.
        if (reread) return;
        reread = true;
        current = await this.get(gvk, namespace, name);
        continue;
      }
      const patch = [
        { op: "test", path: `/metadata/finalizers/${idx}`, value: finalizer },
        { op: "remove", path: `/metadata/finalizers/${idx}` },
      ];
      try {
        if (await this.#tryJsonPatch({ gvk, namespace, name }, patch, undefined, attempt)) return;
      } catch (err) {
        if (isApiError(err, 404)) return;
        throw err;
      }
      current = await this.get(gvk, namespace, name);
      reread = true;
    }
  }

  /**
   * Applies a JSON patch. Returns false when a `test` op failed or on conflict (caller re-reads),
   * throws other errors or when retries are exhausted.
   */
  async #tryJsonPatch(
    target: PatchTarget,
    patch: object[],
    fieldManager: string | undefined,
    attempt: number,
  ): Promise<boolean> {
    try {
      await this.http.request({
        method: "PATCH",
        path: resourcePath(target.gvk, target.namespace, target.name),
        query: { fieldManager },
        body: patch,
        contentType: JSON_PATCH,
      });
      return true;
    } catch (err) {
      // A failed `test` op is 422 (or 409 on some versions); both mean "re-read and try again".
      const retryable = isApiError(err, 409) || isApiError(err, 422);
      if (!retryable || attempt + 1 >= this.#retries) throw err;
      return false;
    }
  }

  async #withConflictRetry<R>(fn: () => Promise<R>): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isApiError(err, 409) || attempt + 1 >= this.#retries) throw err;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
      }
    }
  }

  /**
   * Records a core/v1 Event about `obj`. Repeats of the same (object, type, reason, message,
   * action) within 10 minutes increment `count`/`lastTimestamp` on the existing Event instead of
   * creating a new one (client-go EventCorrelator). Never throws: failures are logged.
   */
  async event(obj: KubernetesObject, e: EventSpec, component: string): Promise<void> {
    try {
      await this.#recordEvent(obj, e, component);
    } catch (err) {
      this.#log?.warn({ err, reason: e.reason }, "Failed to record Event");
    }
  }

  async #recordEvent(obj: KubernetesObject, e: EventSpec, component: string): Promise<void> {
    const md = obj.metadata ?? {};
    const namespace = md.namespace !== undefined && md.namespace !== "" ? md.namespace : "default";
    const dedupKey = JSON.stringify([
      md.uid ?? md.name,
      obj.kind,
      namespace,
      e.type,
      e.reason,
      e.message,
      e.action ?? "",
      component,
    ]);
    const now = this.#now();
    const nowIso = now.toISOString().replace(/\.\d+Z$/, "Z");
    const seen = this.#events.get(dedupKey);
    if (seen !== undefined && now.getTime() - seen.lastSeen < EVENT_DEDUP_WINDOW_MS) {
      try {
        await this.http.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
          body: { count: seen.count + 1, lastTimestamp: nowIso },
          contentType: MERGE_PATCH,
        });
        seen.count += 1;
        seen.lastSeen = now.getTime();
        this.#remember(dedupKey, seen);
        return;
      } catch (err) {
        if (!isApiError(err, 404)) throw err; // 404: the Event expired (TTL); create a new one
      }
    }
    const name = `${md.name ?? "unknown"}.${now.getTime().toString(16)}${randomBytes(4).toString("hex")}`;
    await this.http.request({
      method: "POST",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: {
        apiVersion: EVENT.apiVersion,
        kind: EVENT.kind,
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: md.name,
          namespace: md.namespace,
          uid: md.uid,
          resourceVersion: md.resourceVersion,
        },
        type: e.type,
        reason: e.reason,
        message: e.message.slice(0, 1024),
        action: e.action,
        count: 1,
        firstTimestamp: nowIso,
        lastTimestamp: nowIso,
        source: { component, host: this.#host },
        reportingComponent: component,
        reportingInstance: this.#host,
      },
    });
    this.#remember(dedupKey, { name, namespace, count: 1, lastSeen: now.getTime() });
  }

  /**
   * Bounded LRU with expiry: re-insert moves the entry to the end; entries past the dedup window
   * are dropped from the front (they could never match again), then the oldest beyond the size.
   */
  #remember(key: string, v: SeenEvent): void {
    this.#events.delete(key);
    this.#events.set(key, v);
    for (const [k, e] of this.#events) {
      if (this.#events.size <= EVENT_CACHE_SIZE && v.lastSeen - e.lastSeen < EVENT_DEDUP_WINDOW_MS)
        break;
      this.#events.delete(k);
    }
  }

  /** Number of remembered Events (for tests and debugging). */
  rememberedEvents(): number {
    return this.#events.size;
  }
}
