// Which engine images a self-hosted AIModel may run: an allowlist of image prefixes set by the
// cluster admin (AIMODEL_IMAGE_PREFIXES on the webhook server). Whoever may create an AIModel may
// otherwise run any image in the namespace. References are compared in their fully qualified form
// (docker.io/library/… for Docker Hub shorthands), and a prefix matches only at a path, tag or
// digest boundary, so "docker.io/vllm/vllm-openai" does not admit "docker.io/vllm/vllm-openai-evil".

/** The engines the operator knows how to drive, from their official repositories. */
export const DEFAULT_IMAGE_PREFIXES: readonly string[] = [
  "docker.io/vllm/vllm-openai",
  "docker.io/ollama/ollama",
];

/** The allowlist entry that admits every image (the admin's explicit opt-out). */
export const ANY_IMAGE = "*";

/** `vllm/x:1` → `docker.io/vllm/x:1`, `ubuntu` → `docker.io/library/ubuntu`; others unchanged. */
export function qualifiedImage(ref: string): string {
  const r = ref.trim();
  const slash = r.indexOf("/");
  const first = slash < 0 ? "" : r.slice(0, slash);
  // A first component with a dot or port, or "localhost", is a registry host (the Docker rule).
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  if (hasRegistry) return r;
  return slash < 0 ? `docker.io/library/${r}` : `docker.io/${r}`;
}

/**
 * A prefix in qualified form, ending in "/" when it names a registry or a path ("ghcr.io/acme/",
 * or a bare registry host such as "registry.example.com").
 */
function qualifiedPrefix(prefix: string): string {
  const bareHost = !prefix.includes("/") && (prefix.includes(".") || prefix === "localhost");
  if (bareHost) return `${prefix}/`;
  if (prefix.endsWith("/")) return qualifiedImage(`${prefix}x`).slice(0, -1);
  return qualifiedImage(prefix);
}

/** Whether a qualified image reference is admitted by one prefix. */
function matchesPrefix(image: string, prefix: string): boolean {
  const p = qualifiedPrefix(prefix);
  if (p.endsWith("/")) return image.startsWith(p);
  return image === p || ["/", ":", "@"].some((sep) => image.startsWith(p + sep));
}

/** The prefix that admits `image`, or undefined when none does. */
export function allowedBy(image: string, prefixes: readonly string[]): string | undefined {
  if (prefixes.includes(ANY_IMAGE)) return ANY_IMAGE;
  const q = qualifiedImage(image);
  return prefixes.find((p) => matchesPrefix(q, p.trim()));
}

/** Parses the comma-separated AIMODEL_IMAGE_PREFIXES value; empty entries are dropped. */
export function parseImagePrefixes(value: string): string[] {
  return value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}
