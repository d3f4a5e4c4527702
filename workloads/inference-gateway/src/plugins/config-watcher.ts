/**
 * Watches the routing file (a mounted ConfigMap: the kubelet swaps a `..data` symlink, so the
 * directory is watched, with polling as a fallback) and hot-reloads it. A change noticed during a
 * reload triggers one more, so a burst of updates always ends on the last one. A new snapshot replaces
 * the old reference atomically; requests keep the snapshot they started with, so nothing in
 * flight is dropped. An invalid file is rejected with every error logged and the old snapshot
 * stays. Credential files named by the config are re-read when they change (Secret rotation).
 */
import { createHash } from "node:crypto";
import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { gunzipSync } from "node:zlib";
import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import { ConfigError, loadRuntimeConfig } from "../config/runtime.ts";
import type { RuntimeConfig } from "../config/runtime.ts";

/** The current routing snapshot and a manual reload. */
export interface RoutingStore {
  current: RuntimeConfig | undefined;
  /** Re-reads the file now; resolves true when a new snapshot was installed. */
  reload: () => Promise<boolean>;
  /** Last load error, if the last attempt failed. */
  lastError: string[] | undefined;
}

declare module "fastify" {
  interface FastifyInstance {
    igwRouting: RoutingStore;
  }
}

/** Options of the config watcher. */
export interface ConfigWatcherOptions {
  path: string;
  pollMs: number;
  /** Called with each newly installed snapshot. */
  onLoad?: (cfg: RuntimeConfig) => void;
}

async function credentialStamp(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => `${f}:${(await stat(f).catch(() => undefined))?.mtimeMs ?? "missing"}`),
  );
  return parts.join("|");
}

function credentialFiles(text: string): string[] {
  return [...text.matchAll(/\bfile["']?\s*:\s*["']?([^"'\s,}]+)/g)]
    .map((m) => m[1] ?? "")
    .filter((f) => f !== "");
}

/** The text of a routing file: UTF-8, or gzip (the operator compresses large configs). */
export function decodeConfigFile(bytes: Buffer): string {
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzip ? gunzipSync(bytes, { maxOutputLength: 256 * 1024 * 1024 }) : bytes).toString(
    "utf8",
  );
}

async function configWatcher(app: FastifyInstance, opts: ConfigWatcherOptions): Promise<void> {
  let lastFingerprint = "";
  let running: Promise<boolean> | undefined;
  let again: Promise<boolean> | undefined;
  // A change seen while a reload runs may have landed after that reload read the file (the
  // kubelet swaps ..data at any moment): run once more after it, so the last write always wins.
  const reload = (): Promise<boolean> => {
    if (running === undefined) {
      running = doReload().finally(() => (running = undefined));
      return running;
    }
    again ??= running.then(() => {
      again = undefined;
      return reload();
    });
    return again;
  };
  const store: RoutingStore = { current: undefined, lastError: undefined, reload };

  async function doReload(): Promise<boolean> {
    let text: string;
    try {
      text = decodeConfigFile(await readFile(opts.path));
    } catch (err) {
      store.lastError = [`cannot read ${opts.path}: ${(err as Error).message}`];
      app.igwMetrics.reloads.inc({ result: "error" });
      app.log.error(
        { path: opts.path, err: { message: (err as Error).message } },
        "Failed to read routing config",
      );
      return false;
    }
    const fingerprint =
      createHash("sha256").update(text).digest("hex") +
      (await credentialStamp(credentialFiles(text)));
    if (fingerprint === lastFingerprint) return false;
    try {
      const cfg = await loadRuntimeConfig(text, fingerprint);
      opts.onLoad?.(cfg);
      store.current = cfg;
      store.lastError = undefined;
      lastFingerprint = fingerprint;
      app.igwMetrics.reloads.inc({ result: "success" });
      app.igwMetrics.generation.set(cfg.generation);
      app.log.info(
        {
          generation: cfg.generation,
          backends: cfg.backends.size,
          models: cfg.models.size,
          tenants: cfg.tenants.size,
        },
        "Loaded routing config",
      );
      return true;
    } catch (err) {
      const errors = err instanceof ConfigError ? err.errors : [(err as Error).message];
      lastFingerprint = fingerprint;
      store.lastError = errors;
      app.igwMetrics.reloads.inc({ result: "error" });
      app.log.error(
        { path: opts.path, errors },
        "Rejected routing config; keeping the previous one",
      );
      return false;
    }
  }

  app.decorate("igwRouting", store);
  await store.reload();

  let debounce: NodeJS.Timeout | undefined;
  const trigger = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void store.reload(), 25);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(opts.path), { persistent: false }, trigger);
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(() => void store.reload(), opts.pollMs);
  poll.unref();
  app.addHook("onClose", async () => {
    clearInterval(poll);
    clearTimeout(debounce);
    watcher?.close();
    await running;
    await again;
  });
}

export default fp(configWatcher, {
  name: "igw-config-watcher",
  fastify: "5.x",
  dependencies: ["igw-metrics"],
});
