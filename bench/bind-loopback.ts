// Preload for third-party servers the benchmarks run that listen on every interface and offer no
// flag to choose (Portkey's gateway: `serve({ fetch, port })`): makes a listen without a host bind
// 127.0.0.1, so the benchmark keeps the project's rule that everything binds to loopback.
// Used as `node --import ./bench/bind-loopback.ts <server>`.
import { Server } from "node:net";

// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied with the server as `this` below
const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
  const [first] = args;
  if (typeof first === "object" && first !== null && !("path" in first) && !("host" in first))
    args[0] = { ...first, host: "127.0.0.1" };
  else if (typeof first === "number" && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  return (listen as (...a: unknown[]) => Server).apply(this, args);
} as typeof Server.prototype.listen;
