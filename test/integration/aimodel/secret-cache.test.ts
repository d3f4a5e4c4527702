// An operator started with --controllers=aimodel in a namespace holding thousands of Secrets keeps
// no Secret value in memory: a heap snapshot of the running process contains the Secrets' names
// and key names (the cache works) but none of their values, plain or base64 as the API sends
// them. Its RSS stays under the operator's memory target (250 MB, README).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { SECRET } from "../../../operators/runtime/core-kinds.ts";
import { manifestNodeOptions, startOperator } from "../../helpers/operator.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { apply, external, getModel, perFile, readyOf } from "./fixtures.ts";

const COUNT = 2000;
const { env, client, ctx } = perFile("aim-secrets");
const marker = randomBytes(6).toString("hex");
const valueOf = (i: number): string => `sk-${marker}-value-${String(i).padStart(5, "0")}`;

async function createSecrets(): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < COUNT; i = next++) {
      await client.apply(
        {
          apiVersion: SECRET.apiVersion,
          kind: SECRET.kind,
          metadata: {
            name: `cred-${marker}-${i}`,
            namespace: ctx.ns,
            labels: { "librechat.io/model-secret": "true" },
          },
          stringData: { apiKey: valueOf(i) },
        },
        { fieldManager: "integration-test", force: true },
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

function rssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, "utf8").then(
    (s) => Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? "0") / 1024,
  );
}

test(
  `no Secret value is held by an aimodel operator among ${COUNT} Secrets`,
  { timeout: 600_000 },
  async (t) => {
    await createSecrets();
    const dir = await mkdtemp(join(tmpdir(), "secret-cache-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const op = await startOperator({
      kubeconfig: env.kubeconfigPath,
      args: ["--namespace", ctx.ns, "--leader-elect=false", "--controllers=aimodel"],
      env: {
        NODE_OPTIONS: `${manifestNodeOptions()} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`,
      },
      timeoutMs: 180_000,
    });
    t.after(() => op.stop());
    // The controller really reads the cache: a model whose credentials exist becomes Ready.
    await apply(client, external(ctx.ns, "gpt", `cred-${marker}-7`));
    await waitFor(
      "external AIModel Ready from the cached Secret",
      60_000,
      async () => readyOf(await getModel(client, ctx.ns, "gpt"))?.status === "True",
    );

    const rss = await rssMb(op.child.pid ?? 0);
    op.child.kill("SIGUSR2");
    let file = "";
    await waitFor("heap snapshot written", 120_000, async () => {
      const f = (await readdir(dir)).find((n) => n.endsWith(".heapsnapshot"));
      if (f === undefined) return false;
      const size = (await readFile(join(dir, f))).length;
      await new Promise((r) => setTimeout(r, 1000));
      const done = (await readFile(join(dir, f))).length === size && size > 0;
      if (done) file = join(dir, f);
      return done;
    });
    const heap = await readFile(file, "utf8");
    // Positive control: the cache is in the snapshot (names and key names of the Secrets).
    assert.ok(heap.includes(`cred-${marker}-1999`), "a Secret name is in the snapshot");
    assert.ok(heap.includes("apiKey"), "a key name is in the snapshot");
    for (const i of [0, 7, 1000, 1999]) {
      const plain = valueOf(i);
      assert.ok(!heap.includes(plain), `value ${i} (plain) is in the heap`);
      assert.ok(
        !heap.includes(Buffer.from(plain).toString("base64")),
        `value ${i} (base64) is in the heap`,
      );
    }
    assert.ok(!heap.includes(marker + "-value"), "no value fragment of any Secret is in the heap");
    assert.ok(rss < 250, `RSS ${rss.toFixed(0)} MB with ${COUNT} Secrets cached`);
  },
);
