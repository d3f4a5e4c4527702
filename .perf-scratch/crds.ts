import { KubeConfig } from "@kubernetes/client-node";
import { installCrds } from "../test/helpers/crds.ts";
const kc = new KubeConfig(); kc.loadFromDefault(); await installCrds(kc); console.log("ok");
