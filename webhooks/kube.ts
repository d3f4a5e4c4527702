// The API-server access the webhooks need, behind a narrow interface so rule tests use fakes.
// `KubeHttp` from operators/clients/http.ts satisfies `KubeTransport` structurally.
import type { KubeObject } from "./review.ts";
import type { Lookup, LookupKind, NamespaceInfo } from "./types.ts";
import { annotationsOf, labelsOf, nameOf } from "./object.ts";

/** One request, in the shape of operators/clients/http.ts `KubeRequest`. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** Sends a request; resolves with the decoded body on 2xx, throws an error with numeric `code` otherwise. */
export interface KubeTransport {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- mirrors KubeHttp.request
  request<T = unknown>(req: TransportRequest): Promise<{ status: number; body: T }>;
}

/** HTTP status of an API error (KubeApiError.code), or undefined for transport errors. */
export function errorCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number")
    return err.code;
  return undefined;
}

/** REST path of an object or collection of `kind`. */
export function objectPath(kind: LookupKind, namespace?: string, name?: string): string {
  const base = kind.apiVersion.includes("/")
    ? `/apis/${kind.apiVersion}`
    : `/api/${kind.apiVersion}`;
  const ns =
    kind.namespaced && namespace !== undefined && namespace !== ""
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : "";
  return `${base}${ns}/${kind.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}

/** Options of `KubeLookup`. */
export interface KubeLookupOptions {
  /** Per-request timeout in ms (the review deadline still applies through the caller's signal). */
  requestTimeoutMs?: number;
}

/** `Lookup` backed by direct API-server reads (no cache: admission must see the latest state). */
export class KubeLookup implements Lookup {
  readonly #kube: KubeTransport;
  readonly #timeoutMs: number;

  constructor(kube: KubeTransport, opts: KubeLookupOptions = {}) {
    this.#kube = kube;
    this.#timeoutMs = opts.requestTimeoutMs ?? 3000;
  }

  #signal(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]);
  }

  async #get(path: string, signal: AbortSignal): Promise<KubeObject | null> {
    try {
      const res = await this.#kube.request<KubeObject>({
        method: "GET",
        path,
        signal: this.#signal(signal),
      });
      return res.body;
    } catch (err: unknown) {
      if (errorCode(err) === 404) return null;
      throw err;
    }
  }

  async getNamespace(name: string, signal: AbortSignal): Promise<NamespaceInfo | null> {
    if (name === "") return null;
    const ns = await this.#get(`/api/v1/namespaces/${encodeURIComponent(name)}`, signal);
    return ns === null
      ? null
      : { name: nameOf(ns), labels: labelsOf(ns), annotations: annotationsOf(ns) };
  }

  async getObject(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | null> {
    if (name === "" || (kind.namespaced && namespace === "")) return null;
    return this.#get(objectPath(kind, namespace, name), signal);
  }

  async getMetadata(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<NamespaceInfo | null> {
    if (name === "" || (kind.namespaced && namespace === "")) return null;
    try {
      const res = await this.#kube.request<KubeObject>({
        method: "GET",
        path: objectPath(kind, namespace, name),
        accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        signal: this.#signal(signal),
      });
      return {
        name: nameOf(res.body),
        labels: labelsOf(res.body),
        annotations: annotationsOf(res.body),
      };
    } catch (err: unknown) {
      if (errorCode(err) === 404) return null;
      throw err;
    }
  }

  async listObjects(kind: LookupKind, signal: AbortSignal): Promise<KubeObject[]> {
    const res = await this.#kube.request<{ items?: KubeObject[] }>({
      method: "GET",
      path: objectPath(kind),
      signal: this.#signal(signal),
    });
    return Array.isArray(res.body.items) ? res.body.items : [];
  }
}
