// Loads client-node's KubeConfig without evaluating its ~700 generated API and model modules.
//
// All kubeconfig and auth handling stays client-node's own (in-cluster service account, client
// certificates, tokens and token files, exec plugins, OIDC, Azure/GCP providers, proxies): we import
// its `dist/config.js` module, whose only link to the generated code is `createConfiguration` and
// `ServerConfiguration` from `./gen/index.js`. A synchronous module resolve hook points that one
// import (and only when `config.js` is the importer) at client-node-gen-slim.ts, which re-exports
// the same two names from the same generated modules. Measured on Node 24.21: importing the package
// root costs ~88 MB RSS over a bare process (heap used +25 MB); config.js this way ~40 MB.
//
// The hook only affects modules resolved after it is registered, so the config module is loaded
// with a dynamic import. If something in the process already imported the package root, the
// same config.js instance is shared, so KubeConfig is one class either way.
import { registerHooks } from "node:module";
import type { KubeConfig } from "@kubernetes/client-node";

const SLIM_GEN = new URL("./client-node-gen-slim.ts", import.meta.url).href;
const CONFIG_MODULE = "@kubernetes/client-node/dist/config.js";

let hooked = false;

/** Registers the resolve hook once (idempotent). Exported for tests. */
export function installSlimClientNodeHook(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (
        specifier === "./gen/index.js" &&
        context.parentURL?.endsWith("/@kubernetes/client-node/dist/config.js") === true
      ) {
        return { url: SLIM_GEN, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

/** The KubeConfig class, loaded through the slim path. */
export async function kubeConfigClass(): Promise<typeof KubeConfig> {
  installSlimClientNodeHook();
  const mod = (await import(CONFIG_MODULE)) as { KubeConfig: typeof KubeConfig };
  return mod.KubeConfig;
}

/**
 * A KubeConfig loaded like client-go: `$KUBECONFIG`, else ~/.kube/config, else the in-cluster
 * service account (client-node's `loadFromDefault`), or from `file` when given.
 */
export async function loadKubeConfig(file?: string): Promise<KubeConfig> {
  const Ctor = await kubeConfigClass();
  const kc = new Ctor();
  if (file === undefined) kc.loadFromDefault();
  else kc.loadFromFile(file);
  return kc;
}
