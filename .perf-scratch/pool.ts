import { FakeApiServer } from "../operators/runtime/testing/fake-apiserver.ts";
import { KubeHttp } from "../operators/clients/http.ts";
const api = await new FakeApiServer().start();
api.handler = () => ({ status: 200, body: { kind: "Status" } });
const http = new KubeHttp(api.kubeConfig());
for (let i = 0; i < 5; i++) { const r = await http.raw({ method: "GET", path: "/x" }); console.log(r.headers.get("connection"), r.headers.get("keep-alive")); await r.text(); console.log(i, api.connections); }
await http.close(); await api.close();
