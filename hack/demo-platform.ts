// `make demo`, platform part: runs what kwok cannot, for as long as the demo runs (hack/demo.sh
// starts it and records its PID; SIGTERM stops everything it started). kwok runs no processes, so
// the tests' pod bridge (test/helpers/pod-bridge.ts) stands in for a kubelet on one node, "demo-bridge":
// pods scheduled there run as local processes from the exact command, args and env the operator
// rendered. It applies the shipped inference gateway (manifests/inference-gateway, with the two
// bridge changes listed in test/integration/loop/README.md) so that its routing ConfigMap is the
// one gateway-config renders from the CRs, keeps the provider keys Secret synced where the gateway
// reads it, and stands in for two Services on fixed ports (kube-proxy's part): the inference
// gateway's (the operator renders its URL into the chat fleets) and the ChatRegion eu-west's
// (where a client connects). What this proves and does not is said in the README's demo section.
// Env: KUBECONFIG, REDIS_URL, DEMO_NAMESPACE, GATEWAY_CREDENTIALS_DIR, DEMO_IGW_PORT, DEMO_CHAT_PORT.
import { KubeConfig } from "@kubernetes/client-node";
import { CREDENTIALS_SECRET } from "../controllers/gateway-config/desired/secrets.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { secretSource, syncVolume } from "../test/helpers/kubelet-volume.ts";
import { PodBridge } from "../test/helpers/pod-bridge.ts";
import { startServiceProxy } from "../test/helpers/service-proxy.ts";
import { shippedGateway } from "../test/integration/loop/bridged-gateway.ts";

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set`);
  return v;
}

async function main(): Promise<void> {
  const ns = env("DEMO_NAMESPACE");
  const credDir = env("GATEWAY_CREDENTIALS_DIR");
  const kc = new KubeConfig();
  kc.loadFromFile(env("KUBECONFIG"));
  const client = new KubeClient(kc);
  const apply = (o: Record<string, unknown>): Promise<unknown> =>
    client.apply(o, { fieldManager: "librechat-demo", force: true });

  const bridge = new PodBridge({ client, nodeName: "demo-bridge" });
  await bridge.start();
  const stopKeys = syncVolume(credDir, secretSource(client, ns, CREDENTIALS_SECRET));
  await apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "inference-gateway-redis", namespace: ns },
    stringData: { url: env("REDIS_URL") },
  });
  for (const o of shippedGateway(bridge, ns)) await apply(o);

  const first = (prefix: string): string | undefined => {
    const pod = bridge.readyPods(prefix)[0];
    return pod === undefined ? undefined : new URL(pod.url).host;
  };
  let rr = 0;
  const igw = await startServiceProxy(
    () => first("inference-gateway-"),
    Number(env("DEMO_IGW_PORT")),
  );
  const chat = await startServiceProxy(
    () => {
      const pods = bridge.readyPods("eu-west-");
      const pod = pods[rr++ % Math.max(pods.length, 1)];
      return pod === undefined ? undefined : new URL(pod.url).host;
    },
    Number(env("DEMO_CHAT_PORT")),
  );
  process.stdout.write(
    `demo-platform: bridge node demo-bridge; inference gateway Service at http://${igw.host}, ChatRegion eu-west at ws://${chat.host}/v1/ws\n`,
  );

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await chat.close();
    await igw.close();
    await stopKeys();
    await bridge.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-platform: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
