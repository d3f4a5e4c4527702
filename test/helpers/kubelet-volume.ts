// The kubelet's way of putting a ConfigMap or Secret volume on disk (its AtomicWriter), for tests
// and the demo where no kubelet runs (kwok runs no pods): every update goes into a fresh hidden
// directory `..<stamp>`, a `..data_tmp` symlink to it is renamed over `..data` in one step, and
// each key is a symlink `<key> -> ..data/<key>` created once. Readers therefore see either the old
// or the new set of files, never a mix, and the file path they were given never changes.
import { mkdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { CONFIG_MAP, SECRET } from "../../operators/runtime/core-kinds.ts";
import type { GroupVersionKind, KubernetesObject } from "../../operators/runtime/index.ts";
import { SharedInformer, silentLogger } from "../../operators/runtime/index.ts";

let seq = 0;

/** Writes `files` (key → content) into `dir` as one atomic kubelet-style update. */
export async function writeVolume(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, "_")}.${process.pid}.${++seq}`;
  await mkdir(join(dir, stamp));
  for (const [k, v] of Object.entries(files)) await writeFile(join(dir, stamp, k), v);
  const old = await readlink(join(dir, "..data")).catch(() => undefined);
  await symlink(stamp, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const k of Object.keys(files)) {
    await symlink(join("..data", k), join(dir, k)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    });
  }
  if (old !== undefined) await rm(join(dir, old), { recursive: true, force: true });
}

/** Reads the data of a ConfigMap or Secret (decoded) or undefined when it does not exist. */
export type VolumeSource = () => Promise<Record<string, string> | undefined>;

/** A Secret's data, decoded, as its volume holds it (files contain the plain values). */
export function secretSource(
  client: Pick<KubeClient, "get">,
  namespace: string,
  name: string,
): VolumeSource {
  return async () => {
    const sec = await client.get<V1Secret>(SECRET, namespace, name);
    return sec === undefined ? undefined : secretFiles(sec);
  };
}

/** A ConfigMap's `data`, as its volume holds it. */
export function configMapSource(
  client: Pick<KubeClient, "get">,
  namespace: string,
  name: string,
): VolumeSource {
  return async () => (await client.get<V1ConfigMap>(CONFIG_MAP, namespace, name))?.data;
}

/**
 * Mirrors a ConfigMap/Secret into `dir` as the kubelet would: polls `read` every `intervalMs`
 * and writes an update whenever the content changed. Returns a stop function.
 */
export function syncVolume(dir: string, read: VolumeSource, intervalMs = 100): () => Promise<void> {
  let stopped = false;
  let last = "";
  const loop = (async (): Promise<void> => {
    while (!stopped) {
      try {
        const data = await read();
        const text = data === undefined ? "" : JSON.stringify(data);
        if (data !== undefined && text !== last) {
          await writeVolume(dir, data);
          last = text;
        }
      } catch {
        // The API server may be briefly unavailable; the next round retries, as the kubelet does.
      }
      await sleep(intervalMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** A watched ConfigMap or Secret mirrored into a directory; `current` is the last object seen. */
export interface WatchedVolume<T> {
  current: () => T | undefined;
  stop: () => Promise<void>;
}

/**
 * Mirrors one ConfigMap or Secret into `dir` from a watch, as a kubelet with its default
 * `Watch` change-detection strategy keeps its copy current: the API server sends each change
 * once, instead of a poll reading the whole object ten times a second (at 300 KiB that load fell
 * on the very chain a benchmark measures). Updates are written in order, the last one wins.
 * `toFiles` maps the object to its files (undefined: nothing to write yet).
 */
export async function watchVolume<T extends KubernetesObject>(
  client: Pick<KubeClient, "http">,
  target: { gvk: GroupVersionKind; namespace: string; name: string },
  dir: string,
  toFiles: (obj: T) => Record<string, string> | undefined,
): Promise<WatchedVolume<T>> {
  const informer = new SharedInformer<T>({
    http: client.http,
    gvk: target.gvk,
    namespace: target.namespace,
    fieldSelector: `metadata.name=${target.name}`,
    logger: silentLogger(),
  });
  let latest: T | undefined;
  let writing: Promise<void> = Promise.resolve();
  let last = "";
  const onObject = (obj: T): void => {
    latest = obj;
    writing = writing
      .then(async () => {
        const files = toFiles(obj);
        const text = JSON.stringify(files ?? null);
        if (files === undefined || text === last) return;
        await writeVolume(dir, files);
        last = text;
      })
      .catch(() => undefined); // a failed write is retried with the next change, as the kubelet does
  };
  informer.addHandlers({
    onAdd: onObject,
    onUpdate: (_old, obj) => {
      onObject(obj);
    },
  });
  informer.start();
  await informer.waitForSync(30_000);
  return {
    current: () => latest,
    stop: async () => {
      await informer.stop();
      await writing;
    },
  };
}

/** The files of a Secret volume (values decoded). */
export function secretFiles(sec: V1Secret): Record<string, string> | undefined {
  return sec.data === undefined
    ? undefined
    : Object.fromEntries(
        Object.entries(sec.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
}
