// Keeps the webhook serving certificate valid for every replica.
//
// Each replica runs one CertRotator. A pass (`reconcileOnce`):
//   1. decides who owns certificates: cert-manager (inject-ca-from annotation + its CRD) or us;
//   2. self-managed: reads the Secret, decides (certs.ts `decideRotation`), and if needed issues and
//      writes a new bundle with optimistic concurrency (create → 409, update with resourceVersion →
//      409: re-read and start over), so concurrent replicas converge on one bundle;
//   3. self-managed: patches caBundle of both webhook configurations *before* serving a new
//      certificate, so the API server trusts a new CA before any replica presents a certificate
//      signed by it;
//   4. hands a changed serving pair to `onCertificate` (the server hot-swaps its TLS context).
// Passes repeat every `resyncMs` and at the next renewal time, whichever is first; errors retry
// after `retryMs`.
import { SECRET } from "../operators/runtime/core-kinds.ts";
import { X509Certificate } from "node:crypto";
import type { Logger } from "pino";
import {
  bundleFromSecretData,
  bundleToSecretData,
  decideRotation,
  issue,
  unusableReason,
} from "./certs.ts";
import type { CertBundle, CertLifetimes, CertSpec } from "./certs.ts";
import { certManagerManages, syncCABundle } from "./ca-bundle.ts";
import type { WebhookConfigNames } from "./ca-bundle.ts";
import { errorCode } from "./kube.ts";
import type { KubeTransport } from "./kube.ts";

/** Who issues certificates: auto-detect, always us, or always cert-manager. */
export type CertMode = "auto" | "self" | "cert-manager";

/** Options of `CertRotator`. */
export interface CertRotatorOptions {
  kube: KubeTransport;
  /** Namespace and name of the Secret shared by all replicas. */
  namespace: string;
  secretName: string;
  spec: CertSpec;
  configNames: WebhookConfigNames;
  mode?: CertMode;
  lifetimes?: CertLifetimes;
  /** Receives the serving pair on first load and on every change. */
  onCertificate: (bundle: CertBundle) => void;
  log: Logger;
  /** Re-read the Secret and re-sync caBundle this often (ms); default 60 000. */
  resyncMs?: number;
  /** Delay after a failed pass (ms); default 5 000. */
  retryMs?: number;
  /** Per API request timeout (ms); default 5 000. */
  requestTimeoutMs?: number;
  now?: () => number;
}

/** Result of one pass. */
export interface PassResult {
  bundle: CertBundle;
  managedBy: "self" | "cert-manager";
  /** Set when this pass wrote a new bundle. */
  rotated?: string;
  /** When the next pass should run at the latest (epoch ms). */
  nextCheckAt: number;
}

const MAX_WRITE_ATTEMPTS = 4;

/** Issues, stores, distributes and rotates the webhook serving certificate. */
export class CertRotator {
  readonly #o: CertRotatorOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #servedCert: string | undefined;
  #current: CertBundle | undefined;

  constructor(opts: CertRotatorOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The bundle currently served, if any. */
  get current(): CertBundle | undefined {
    return this.#current;
  }

  #signal(): AbortSignal {
    return AbortSignal.timeout(this.#o.requestTimeoutMs ?? 5000);
  }

  get #secretPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/secrets/${encodeURIComponent(this.#o.secretName)}`;
  }

  async #readSecret(): Promise<{
    bundle: CertBundle | undefined;
    secret: Record<string, unknown> | undefined;
  }> {
    try {
      const res = await this.#o.kube.request<Record<string, unknown>>({
        method: "GET",
        path: this.#secretPath,
        signal: this.#signal(),
      });
      return { bundle: bundleFromSecretData(res.body["data"]), secret: res.body };
    } catch (err: unknown) {
      if (errorCode(err) === 404) return { bundle: undefined, secret: undefined };
      throw err;
    }
  }

  async #writeSecret(
    bundle: CertBundle,
    existing: Record<string, unknown> | undefined,
  ): Promise<void> {
    const metadata: Record<string, unknown> = {
      name: this.#o.secretName,
      namespace: this.#o.namespace,
      labels: {
        "app.kubernetes.io/managed-by": "librechat-operators",
        "app.kubernetes.io/component": "webhook",
      },
    };
    if (existing === undefined) {
      const body = {
        apiVersion: SECRET.apiVersion,
        kind: SECRET.kind,
        type: "kubernetes.io/tls",
        metadata,
        data: bundleToSecretData(bundle),
      };
      await this.#o.kube.request({
        method: "POST",
        path: `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/secrets`,
        body,
        signal: this.#signal(),
      });
      return;
    }
    const body = { ...existing, data: bundleToSecretData(bundle) };
    await this.#o.kube.request({
      method: "PUT",
      path: this.#secretPath,
      body,
      signal: this.#signal(),
    });
  }

  /** Self-managed: make sure the Secret holds a bundle that needs no rotation; returns it. */
  async #ensureSelf(): Promise<{ bundle: CertBundle; rotated?: string; nextCheckAt: number }> {
    for (let attempt = 1; ; attempt++) {
      const { bundle, secret } = await this.#readSecret();
      const now = this.#now();
      const decision = decideRotation(bundle, this.#o.spec, now);
      if (decision.action === "keep" && bundle !== undefined)
        return { bundle, nextCheckAt: decision.nextCheckAt };
      if (decision.action === "keep") throw new Error("unreachable: keep without bundle");
      const next = await issue(decision, bundle, {
        spec: this.#o.spec,
        now,
        ...(this.#o.lifetimes !== undefined ? { lifetimes: this.#o.lifetimes } : {}),
      });
      try {
        await this.#writeSecret(next, secret);
        this.#o.log.info(
          {
            secret: `${this.#o.namespace}/${this.#o.secretName}`,
            action: decision.action,
            reason: decision.reason,
          },
          "Rotated webhook certificate",
        );
        const after = decideRotation(next, this.#o.spec, now);
        return {
          bundle: next,
          rotated: decision.reason,
          nextCheckAt: after.action === "keep" ? after.nextCheckAt : now,
        };
      } catch (err: unknown) {
        // Another replica wrote first: adopt its bundle on the next loop iteration.
        if (errorCode(err) !== 409 || attempt >= MAX_WRITE_ATTEMPTS) throw err;
      }
    }
  }

  async #external(): Promise<{ bundle: CertBundle; nextCheckAt: number }> {
    const { bundle } = await this.#readSecret();
    const reason = unusableReason(bundle);
    if (reason !== undefined || bundle === undefined) {
      throw new Error(
        `cert-manager Secret ${this.#o.namespace}/${this.#o.secretName} not usable yet: ${reason ?? "missing"}`,
      );
    }
    return { bundle, nextCheckAt: this.#now() + (this.#o.resyncMs ?? 60_000) };
  }

  async #managedBy(): Promise<"self" | "cert-manager"> {
    const mode = this.#o.mode ?? "auto";
    if (mode !== "auto") return mode;
    return (await certManagerManages(this.#o.kube, this.#o.configNames, this.#signal()))
      ? "cert-manager"
      : "self";
  }

  /** One pass; throws on failure (the loop retries). */
  async reconcileOnce(): Promise<PassResult> {
    const managedBy = await this.#managedBy();
    const result = managedBy === "self" ? await this.#ensureSelf() : await this.#external();
    if (managedBy === "self") {
      const outcome = await syncCABundle(
        this.#o.kube,
        this.#o.configNames,
        result.bundle.caBundle,
        this.#signal(),
      );
      if (outcome.validating === "patched" || outcome.mutating === "patched") {
        this.#o.log.info({ ...outcome }, "Synced webhook caBundle");
      }
    }
    if (result.bundle.tlsCert !== this.#servedCert) {
      this.#o.onCertificate(result.bundle);
      this.#servedCert = result.bundle.tlsCert;
      this.#o.log.info(
        { managedBy, serial: serialOf(result.bundle.tlsCert) },
        "Loaded webhook serving certificate",
      );
    }
    this.#current = result.bundle;
    return { ...result, managedBy };
  }

  /**
   * Runs the first pass (retrying until it succeeds or `signal` aborts) and then keeps passes
   * scheduled in the background. Resolves with the first bundle.
   */
  async start(signal?: AbortSignal): Promise<CertBundle> {
    for (;;) {
      try {
        const first = await this.reconcileOnce();
        this.#schedule(first.nextCheckAt);
        return first.bundle;
      } catch (err: unknown) {
        this.#o.log.warn({ err }, "Failed to prepare webhook certificate, retrying");
        if (signal?.aborted === true || this.#stopped) throw err;
        await new Promise((r) => setTimeout(r, this.#o.retryMs ?? 5000));
      }
    }
  }

  #schedule(nextCheckAt: number): void {
    if (this.#stopped) return;
    const resync = this.#o.resyncMs ?? 60_000;
    const delay = Math.max(0, Math.min(resync, nextCheckAt - this.#now()));
    this.#timer = setTimeout(() => {
      this.reconcileOnce().then(
        (r) => {
          this.#schedule(r.nextCheckAt);
        },
        (err: unknown) => {
          this.#o.log.warn({ err }, "Failed to reconcile webhook certificate, retrying");
          this.#schedule(this.#now() + (this.#o.retryMs ?? 5000));
        },
      );
    }, delay);
    this.#timer.unref();
  }

  /** Stops background passes. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

function serialOf(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).serialNumber;
  } catch {
    return undefined;
  }
}
