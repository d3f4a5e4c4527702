// Table test of what GET /v1/models lists for a tenant: its models with their aliases, and the
// assistants it may call (a tenant allowed an assistant sees it, as LibreChat's model fetch does).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RuntimeModel } from "../config/runtime.ts";
import { indexAssistants } from "../config/runtime.ts";
import { listedIds } from "./models.ts";

const model = (name: string): RuntimeModel => ({ name }) as RuntimeModel;
const llama = model("llama");
const cfg = {
  modelIndex: new Map([
    ["llama", llama],
    ["default", llama],
    ["mistral", model("mistral")],
  ]),
  assistants: indexAssistants([
    {
      name: "helper",
      versions: [{ name: "v1", model: "llama" }],
      variants: [{ version: "v1", weight: 1 }],
    },
  ]),
};

const cases: { name: string; models: string[]; want: string[] }[] = [
  { name: "a model with its alias", models: ["llama"], want: ["llama", "default"] },
  { name: "an assistant only: not its model", models: ["helper"], want: ["helper"] },
  { name: "models and an assistant", models: ["mistral", "helper"], want: ["mistral", "helper"] },
  { name: "everything with *", models: ["*"], want: ["llama", "default", "mistral", "helper"] },
  { name: "nothing", models: [], want: [] },
];

for (const c of cases) {
  void test(`listedIds: ${c.name}`, () => {
    assert.deepEqual(listedIds(cfg, { id: "t", models: c.models }), c.want);
  });
}
