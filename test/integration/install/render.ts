/**
 * Renders the install bundle both ways — `kubectl kustomize` (the kubectl of the test control
 * plane) and `helm template` (Helm v4 from hack/tools/helm.sh) — into comparable object maps.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { requireEnv } from "../../helpers/testenv.ts";

const exec = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const NAMESPACE = "librechat-system";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

/** key "apiVersion kind namespace/name" → object. */
export type Bundle = Map<string, KubeObject>;

export function keyOf(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

export function toBundle(yamlText: string): Bundle {
  const out: Bundle = new Map();
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const o = doc.toJS() as KubeObject | null;
    if (o === null) continue;
    const k = keyOf(o);
    if (out.has(k)) throw new Error(`duplicate object ${k}`);
    out.set(k, o);
  }
  return out;
}

let helmPath: string | undefined;
/** Path of the pinned Helm v4 (built on first use). */
export async function helm(): Promise<string> {
  helmPath ??= (
    await exec("bash", [`${ROOT}/hack/tools/helm.sh`], { maxBuffer: 1 << 20 })
  ).stdout.trim();
  return helmPath;
}

export async function kustomize(dir: string): Promise<string> {
  const kubectl = `${requireEnv("TESTENV_BIN")}/kubectl`;
  return (await exec(kubectl, ["kustomize", `${ROOT}/${dir}`], { maxBuffer: 64 << 20 })).stdout;
}

export async function helmTemplate(sets: readonly string[]): Promise<string> {
  const args = [
    "template",
    "librechat",
    `${ROOT}/charts/librechat-operators`,
    "--namespace",
    NAMESPACE,
    "--include-crds",
  ];
  for (const s of sets) args.push("--set", s);
  return (await exec(await helm(), args, { maxBuffer: 64 << 20 })).stdout;
}
