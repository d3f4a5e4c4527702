// Stand-in for `@kubernetes/client-node/dist/gen/index.js` when it is imported by client-node's
// `config.js` (see kubeconfig.ts). `config.js` needs only these two names from the generated code
// (for `makeApiClient`); the real index also evaluates every generated API class and model.
// If a client-node upgrade makes `config.js` import more names, loading fails at link time with
// "does not provide an export named …" (kubeconfig.test.ts catches that), never silently.
export { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";
export { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js";
