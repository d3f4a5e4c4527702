// Table tests of the engine image allowlist: Docker Hub shorthands, boundaries, registries, "*".
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allowedBy,
  DEFAULT_IMAGE_PREFIXES,
  parseImagePrefixes,
  qualifiedImage,
} from "./image-policy.ts";

const qualify = [
  { ref: "vllm/vllm-openai:v0.10.1", want: "docker.io/vllm/vllm-openai:v0.10.1" },
  { ref: "ubuntu", want: "docker.io/library/ubuntu" },
  { ref: "ghcr.io/acme/engine@sha256:ab", want: "ghcr.io/acme/engine@sha256:ab" },
  { ref: "localhost/engine:1", want: "localhost/engine:1" },
  { ref: "registry:5000/engine", want: "registry:5000/engine" },
];
for (const c of qualify) {
  test(`qualifiedImage(${c.ref})`, () => {
    assert.equal(qualifiedImage(c.ref), c.want);
  });
}

const cases = [
  { image: "vllm/vllm-openai:v0.10.1", prefixes: DEFAULT_IMAGE_PREFIXES, ok: true },
  { image: "docker.io/ollama/ollama", prefixes: DEFAULT_IMAGE_PREFIXES, ok: true },
  { image: "ollama/ollama@sha256:0123", prefixes: DEFAULT_IMAGE_PREFIXES, ok: true },
  { image: "vllm/vllm-openai-evil:1", prefixes: DEFAULT_IMAGE_PREFIXES, ok: false },
  { image: "evil.io/vllm/vllm-openai:1", prefixes: DEFAULT_IMAGE_PREFIXES, ok: false },
  { image: "busybox", prefixes: DEFAULT_IMAGE_PREFIXES, ok: false },
  { image: "ghcr.io/acme/engine:1", prefixes: ["ghcr.io/acme/"], ok: true },
  { image: "ghcr.io/acme-evil/engine:1", prefixes: ["ghcr.io/acme/"], ok: false },
  { image: "registry.example.com/team/x:2", prefixes: ["registry.example.com"], ok: true },
  { image: "registry.example.com.evil.io/x", prefixes: ["registry.example.com"], ok: false },
  { image: "vllm/anything:1", prefixes: ["vllm/"], ok: true },
  { image: "anything/at-all:1", prefixes: ["*"], ok: true },
  { image: "vllm/vllm-openai:1", prefixes: [], ok: false },
];
for (const c of cases) {
  test(`image ${c.image} with [${c.prefixes.join(", ")}] is ${c.ok ? "allowed" : "refused"}`, () => {
    assert.equal(allowedBy(c.image, c.prefixes) !== undefined, c.ok);
  });
}

test("parseImagePrefixes trims and drops empty entries", () => {
  assert.deepEqual(parseImagePrefixes(" ghcr.io/acme/ ,, vllm/vllm-openai "), [
    "ghcr.io/acme/",
    "vllm/vllm-openai",
  ]);
});
