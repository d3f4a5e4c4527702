// The honest bridge: a test-only stand-in for the kubelet of ONE node, so that pods the operator
// rendered really run. kwok gives Running pods but no processes; this bridge instead registers its
// own Node (not managed by kwok, tainted so only pods that tolerate it land there), and for every
// pod the scheduler binds to it:
//   - resolves the container's env from the real Secrets and ConfigMaps (and the downward API:
//     metadata.name/namespace, status.podIP, spec.nodeName),
//   - materialises configMap volumes in a temp dir the way the kubelet does (files are symlinks
//     into a `..data` symlink that is swapped atomically when the ConfigMap changes),
//   - runs that exact command/args as a local process, with its own loopback IP as the pod IP
//     (127.a.b.n, so every pod listens on the port it declares, like in a pod network),
//   - runs the readiness probe against the process and writes the Ready condition to the pod's
//     status; restarts an exited container (restartPolicy Always); on pod deletion runs the
//     preStop hook, sends SIGTERM, waits up to the grace period, SIGKILLs, then removes the pod.
// What it does NOT do (so what a green test does not prove): images are not pulled (the image's
// `node` is this repository's Node 24 and its working directory is the repository root), there is
// no network or filesystem isolation, resource limits and liveness probes are not enforced, and
// mount paths inside env values are rewritten to the temp dir (the only rewrite).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { V1ConfigMap, V1Container, V1EnvVar, V1Pod, V1Secret } from "@kubernetes/client-node";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { formatMicroTime } from "../../operators/runtime/index.ts";

const REPO = resolve(import.meta.dirname, "..", "..");
const NODE = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
const SECRET = { apiVersion: "v1", kind: "Secret", plural: "secrets", namespaced: true };
const CONFIGMAP = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };
const LEASE = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};
export const BRIDGE_TAINT = "librechat.io/pod-bridge";

/** One running pod. */
export interface BridgedPod {
  name: string;
  namespace: string;
  ip: string;
  /** http://ip:<first container port> */
  url: string;
  proc: ChildProcess | undefined;
  ready: boolean;
  restarts: number;
  deleting: boolean;
  /** Set by crash(): the container is not restarted (a lost machine, not a crash loop). */
  down: boolean;
  /** Last output lines, for failure messages. */
  logs: string[];
  volumes: { name: string; configMap: string; dir: string; version: string }[];
  /** Starts the container again with the same resolved spec (used by revive()). */
  restart?: () => void;
}

export interface PodBridgeOptions {
  client: KubeClient;
  /** Unique node name (several bridges may run at once). */
  nodeName: string;
  pollMs?: number;
}

function b64(s: string): string {
  return Buffer.from(s, "base64").toString("utf8");
}

/** A kubelet stand-in for one node; see the file comment for what it proves. */
export class PodBridge {
  readonly nodeName: string;
  readonly #client: KubeClient;
  readonly #pods = new Map<string, BridgedPod>();
  readonly #root = mkdtempSync(join(tmpdir(), "pod-bridge-"));
  readonly #ipBase = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  #nextIp = 2;
  #timer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #busy = false;
  readonly #pollMs: number;

  constructor(opts: PodBridgeOptions) {
    this.nodeName = opts.nodeName;
    this.#client = opts.client;
    this.#pollMs = opts.pollMs ?? 250;
  }

  /** Placement a pod spec needs to land on this bridge's node. */
  placement(): {
    nodeSelector: Record<string, string>;
    tolerations: { key: string; operator: "Exists"; effect: "NoSchedule" }[];
  } {
    return {
      nodeSelector: { "kubernetes.io/hostname": this.nodeName },
      tolerations: [{ key: BRIDGE_TAINT, operator: "Exists", effect: "NoSchedule" }],
    };
  }

  /** Registers the node (Ready, with a renewed Lease) and starts running its pods. */
  async start(): Promise<void> {
    const c = this.#client;
    await c.apply(
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: this.nodeName,
          labels: {
            "kubernetes.io/hostname": this.nodeName,
            "kubernetes.io/os": "linux",
            type: "pod-bridge",
          },
        },
        spec: { taints: [{ key: BRIDGE_TAINT, value: "true", effect: "NoSchedule" }] },
      },
      { fieldManager: "pod-bridge", force: true },
    );
    await this.#heartbeat();
    this.#leaseTimer = setInterval(() => {
      void this.#heartbeat().catch(() => undefined);
    }, 10_000);
    this.#timer = setInterval(() => {
      void this.#tick();
    }, this.#pollMs);
  }

  async #heartbeat(): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await this.#client.applyStatus(
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: this.nodeName },
        status: {
          capacity: { cpu: "64", memory: "256Gi", pods: "110" },
          allocatable: { cpu: "64", memory: "256Gi", pods: "110" },
          addresses: [
            { type: "InternalIP", address: "127.0.0.1" },
            { type: "Hostname", address: this.nodeName },
          ],
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              message: "pod bridge is running",
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
      { fieldManager: "pod-bridge" },
    );
    await this.#client.apply(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.nodeName, namespace: "kube-node-lease" },
        spec: {
          holderIdentity: this.nodeName,
          leaseDurationSeconds: 40,
          renewTime: formatMicroTime(Date.now()),
        },
      } as never,
      { fieldManager: "pod-bridge", force: true },
    );
  }

  /** Pods currently known (running or terminating). */
  pods(): BridgedPod[] {
    return [...this.#pods.values()];
  }

  /** Running, ready pods whose name starts with `prefix`. */
  readyPods(prefix = ""): BridgedPod[] {
    return this.pods().filter((p) => p.ready && !p.deleting && p.name.startsWith(prefix));
  }

  /** SIGKILLs the pod's process and keeps it down (the pod stays, NotReady): a lost machine. */
  crash(name: string): void {
    const p = [...this.#pods.values()].find((x) => x.name === name);
    if (p === undefined) throw new Error(`pod ${name} is not on ${this.nodeName}`);
    p.down = true;
    p.proc?.kill("SIGKILL");
  }

  /** Brings a crashed pod's container back (the machine returns): same pod, same IP, same spec. */
  revive(name: string): void {
    const p = [...this.#pods.values()].find((x) => x.name === name);
    if (p === undefined) throw new Error(`pod ${name} is not on ${this.nodeName}`);
    if (!p.down) return;
    p.down = false;
    p.restart?.();
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const res = await this.#client.http.request<{ items?: V1Pod[] }>({
        method: "GET",
        path: "/api/v1/pods",
        query: { fieldSelector: `spec.nodeName=${this.nodeName}` },
      });
      const mine = res.body.items ?? [];
      const configMaps = new Map<string, Promise<V1ConfigMap | undefined>>();
      for (const pod of mine) await this.#sync(pod, configMaps);
      const live = new Set(
        mine.map((p) => `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`),
      );
      for (const [key, bp] of this.#pods) {
        if (!live.has(key)) {
          bp.proc?.kill("SIGKILL");
          this.#pods.delete(key);
        }
      }
    } catch {
      // the API server may be briefly away; the next tick retries
    } finally {
      this.#busy = false;
    }
  }

  async #sync(
    pod: V1Pod,
    configMaps: Map<string, Promise<V1ConfigMap | undefined>>,
  ): Promise<void> {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const key = `${ns}/${name}`;
    let bp = this.#pods.get(key);
    if (bp === undefined) {
      if (pod.metadata?.deletionTimestamp !== undefined) {
        await this.#remove(pod);
        return;
      }
      bp = await this.#admit(pod, configMaps);
    }
    await this.#refreshVolumes(bp, configMaps);
    if (pod.metadata?.deletionTimestamp !== undefined && !bp.deleting) {
      bp.deleting = true;
      void this.#terminate(pod, bp);
    }
  }

  async #admit(
    pod: V1Pod,
    configMaps: Map<string, Promise<V1ConfigMap | undefined>>,
  ): Promise<BridgedPod> {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const ip = `${this.#ipBase}.${this.#nextIp++}`;
    const c = pod.spec?.containers[0];
    if (c === undefined) throw new Error(`pod ${name} has no container`);
    const port = c.ports?.[0]?.containerPort ?? 80;
    const bp: BridgedPod = {
      name,
      namespace: ns,
      ip,
      url: `http://${ip}:${port}`,
      proc: undefined,
      ready: false,
      restarts: 0,
      deleting: false,
      down: false,
      logs: [],
      volumes: [],
    };
    this.#pods.set(`${ns}/${name}`, bp);
    for (const v of pod.spec?.volumes ?? []) {
      if (v.configMap?.name === undefined) continue;
      const dir = join(this.#root, ns, name, v.name);
      mkdirSync(dir, { recursive: true });
      bp.volumes.push({ name: v.name, configMap: v.configMap.name, dir, version: "" });
    }
    await this.#refreshVolumes(bp, configMaps);
    await this.#writeStatus(pod, bp, { started: true });
    await this.#run(pod, c, bp);
    bp.restart = (): void => {
      void this.#run(pod, c, bp).catch(() => undefined);
    };
    void this.#probeLoop(pod, c, bp);
    return bp;
  }

  /** kubelet-style projection: files are symlinks into `..data`, swapped atomically on change. */
  async #refreshVolumes(
    bp: BridgedPod,
    configMaps: Map<string, Promise<V1ConfigMap | undefined>>,
  ): Promise<void> {
    for (const v of bp.volumes) {
      const key = `${bp.namespace}/${v.configMap}`;
      let p = configMaps.get(key);
      if (p === undefined) {
        p = this.#client.get<V1ConfigMap>(CONFIGMAP, bp.namespace, v.configMap);
        configMaps.set(key, p);
      }
      const cm = await p;
      const data = cm?.data ?? {};
      const version = JSON.stringify(data);
      if (version === v.version) continue;
      const ts = join(v.dir, `..${Date.now()}_${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(ts);
      for (const [k, val] of Object.entries(data)) writeFileSync(join(ts, k), val);
      const tmp = join(v.dir, "..data_tmp");
      rmSync(tmp, { force: true });
      symlinkSync(ts.slice(v.dir.length + 1), tmp);
      renameSync(tmp, join(v.dir, "..data"));
      for (const k of Object.keys(data)) {
        try {
          symlinkSync(join("..data", k), join(v.dir, k));
        } catch {
          // already linked
        }
      }
      v.version = version;
    }
  }

  async #resolveEnv(pod: V1Pod, c: V1Container, bp: BridgedPod): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    const mounts = (c.volumeMounts ?? []).map((m) => ({
      path: m.mountPath,
      dir: bp.volumes.find((v) => v.name === m.name)?.dir,
    }));
    for (const e of c.env ?? []) env[e.name] = await this.#envValue(pod, e, bp);
    for (const [k, v] of Object.entries(env)) {
      for (const m of mounts)
        if (m.dir !== undefined && v.startsWith(m.path)) env[k] = m.dir + v.slice(m.path.length);
    }
    return env;
  }

  async #envValue(pod: V1Pod, e: V1EnvVar, bp: BridgedPod): Promise<string> {
    if (e.value !== undefined) return e.value;
    const f = e.valueFrom;
    if (f?.secretKeyRef !== undefined) {
      const s = await this.#client.get<V1Secret>(SECRET, bp.namespace, f.secretKeyRef.name ?? "");
      const raw = s?.data?.[f.secretKeyRef.key];
      if (raw === undefined)
        throw new Error(
          `CreateContainerConfigError: secret ${f.secretKeyRef.name}/${f.secretKeyRef.key} not found`,
        );
      return b64(raw);
    }
    if (f?.configMapKeyRef !== undefined) {
      const cm = await this.#client.get<V1ConfigMap>(
        CONFIGMAP,
        bp.namespace,
        f.configMapKeyRef.name ?? "",
      );
      return cm?.data?.[f.configMapKeyRef.key] ?? "";
    }
    const path = f?.fieldRef?.fieldPath;
    const fields: Record<string, string> = {
      "metadata.name": bp.name,
      "metadata.namespace": bp.namespace,
      "status.podIP": bp.ip,
      "spec.nodeName": pod.spec?.nodeName ?? "",
    };
    return path === undefined ? "" : (fields[path] ?? "");
  }

  async #run(pod: V1Pod, c: V1Container, bp: BridgedPod): Promise<void> {
    const env = await this.#resolveEnv(pod, c, bp);
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    // The image's node is this repository's pinned Node 24.
    const bin = argv[0] === "node" ? process.execPath : (argv[0] ?? "true");
    const proc = spawn(bin, argv.slice(1), {
      cwd: REPO,
      env: { PATH: process.env["PATH"] ?? "", HOME: this.#root, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bp.proc = proc;
    const keep = (d: Buffer): void => {
      bp.logs.push(d.toString());
      if (bp.logs.length > 200) bp.logs.splice(0, bp.logs.length - 200);
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    proc.once("exit", () => {
      if (bp.proc !== proc) return;
      bp.ready = false;
      void this.#writeStatus(pod, bp, { started: false }).catch(() => undefined);
      // restartPolicy Always, unless the pod is going away or its machine is "down".
      if (!bp.deleting && !bp.down) {
        bp.restarts++;
        setTimeout(() => {
          if (!bp.deleting && !bp.down) void this.#run(pod, c, bp).catch(() => undefined);
        }, 500).unref();
      }
    });
  }

  async #probeLoop(pod: V1Pod, c: V1Container, bp: BridgedPod): Promise<void> {
    const probe = c.readinessProbe;
    const period = (probe?.periodSeconds ?? 10) * 1000;
    const threshold = probe?.failureThreshold ?? 3;
    let failures = 0;
    while (this.#pods.get(`${bp.namespace}/${bp.name}`) === bp && this.#timer !== undefined) {
      const ok =
        probe?.httpGet === undefined
          ? bp.proc?.exitCode === null
          : await this.#httpProbe(c, bp, probe.httpGet.path ?? "/", probe.httpGet.port);
      failures = ok ? 0 : failures + 1;
      const ready = ok ? true : failures >= threshold || !bp.ready ? false : bp.ready;
      if (ready !== bp.ready) {
        bp.ready = ready;
        await this.#writeStatus(pod, bp, { started: bp.proc?.exitCode === null }).catch(
          () => undefined,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(period, 1000)));
    }
  }

  async #httpProbe(
    c: V1Container,
    bp: BridgedPod,
    path: string,
    port: number | string,
  ): Promise<boolean> {
    const p =
      typeof port === "number"
        ? port
        : Number.isInteger(Number(port))
          ? Number(port)
          : c.ports?.find((x) => x.name === port)?.containerPort;
    if (p === undefined || bp.proc?.exitCode !== null || bp.down) return false;
    try {
      const res = await fetch(`http://${bp.ip}:${p}${path}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }

  async #writeStatus(pod: V1Pod, bp: BridgedPod, s: { started: boolean }): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const ready = bp.ready ? "True" : "False";
    const cname = pod.spec?.containers[0]?.name ?? "main";
    await this.#client.http.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${encodeURIComponent(bp.namespace)}/pods/${encodeURIComponent(bp.name)}/status`,
      contentType: "application/merge-patch+json",
      body: {
        status: {
          phase: "Running",
          hostIP: "127.0.0.1",
          podIP: bp.ip,
          podIPs: [{ ip: bp.ip }],
          startTime: pod.status?.startTime ?? now,
          conditions: [
            { type: "PodScheduled", status: "True", lastTransitionTime: now },
            { type: "Initialized", status: "True", lastTransitionTime: now },
            { type: "ContainersReady", status: ready, lastTransitionTime: now },
            { type: "Ready", status: ready, lastTransitionTime: now },
          ],
          containerStatuses: [
            {
              name: cname,
              image: pod.spec?.containers[0]?.image ?? "",
              imageID: "",
              ready: bp.ready,
              restartCount: bp.restarts,
              started: s.started,
              state: s.started
                ? { running: { startedAt: now } }
                : {
                    terminated: {
                      exitCode: bp.proc?.exitCode ?? 137,
                      reason: "Error",
                      finishedAt: now,
                    },
                  },
            },
          ],
        },
      },
    });
  }

  /** preStop, SIGTERM, grace period, SIGKILL, then the pod object is removed (as the kubelet does). */
  async #terminate(pod: V1Pod, bp: BridgedPod): Promise<void> {
    const grace =
      (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) *
      1000;
    const deadline = Date.now() + grace;
    const sleep = pod.spec?.containers[0]?.lifecycle?.preStop?.sleep?.seconds ?? 0;
    if (sleep > 0) await new Promise((r) => setTimeout(r, Math.min(sleep * 1000, grace)));
    const proc = bp.proc;
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) =>
        proc.once("exit", () => {
          r();
        }),
      );
      proc.kill("SIGTERM");
      const left = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => proc.kill("SIGKILL"), left);
      await exited;
      clearTimeout(timer);
    }
    await this.#remove(pod);
  }

  async #remove(pod: V1Pod): Promise<void> {
    await this.#client.http
      .request({
        method: "DELETE",
        path: `/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? "")}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}`,
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata?.uid },
        },
      })
      .catch(() => undefined);
  }

  /** Kills every process (SIGKILL), removes the pods, the Lease, the node and the temp dir. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#leaseTimer);
    this.#timer = undefined;
    const exits = [...this.#pods.values()].map((bp) => {
      bp.deleting = true;
      const proc = bp.proc;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null)
        return Promise.resolve();
      return new Promise<void>((r) => {
        proc.once("exit", () => {
          r();
        });
        proc.kill("SIGKILL");
      });
    });
    await Promise.all(exits);
    for (const bp of this.#pods.values())
      await this.#remove({ metadata: { name: bp.name, namespace: bp.namespace } });
    this.#pods.clear();
    await this.#client.delete(LEASE, "kube-node-lease", this.nodeName).catch(() => false);
    await this.#client.delete(NODE, undefined, this.nodeName).catch(() => false);
    rmSync(this.#root, { recursive: true, force: true });
  }
}
