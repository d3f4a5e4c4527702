// A stand-in for a Service's cluster IP, which kube-proxy gives pods and the pod bridge cannot: a
// TCP forwarder on 127.0.0.1 that sends each new connection to the endpoint `pick` names (a ready
// bridged pod behind the Service) and refuses it when there is none, as a Service without ready
// endpoints does. Its URL is known before any pod exists, so it can go where the Service's DNS
// name would (a flag the operator renders into other pods, a client's endpoint).
import { connect, createServer } from "node:net";
import type { Socket } from "node:net";

export interface ServiceProxy {
  /** 127.0.0.1:<port> */
  host: string;
  close(): Promise<void>;
}

/**
 * `pick` returns "ip:port" of the endpoint for the next connection, or undefined for none; `port`
 * 0 (default) takes a free one.
 */
export async function startServiceProxy(
  pick: () => string | undefined,
  port = 0,
): Promise<ServiceProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    const endpoint = pick();
    if (endpoint === undefined) {
      client.destroy();
      return;
    }
    const u = new URL(`http://${endpoint}`);
    const upstream = connect(Number(u.port), u.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
