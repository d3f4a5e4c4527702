/**
 * POST /v1/tickets: exchanges the bearer token of the Authorization header for a single-use
 * connection ticket (see auth/tickets.ts) that a browser puts in the WebSocket or EventSource URL.
 */
import type { FastifyInstance } from "fastify";

export default function ticketRoutes(
  app: FastifyInstance,
  _opts: unknown,
  done: (err?: Error) => void,
): void {
  // Credentials first: the body is ignored, a request without a valid token gets 401.
  app.post("/v1/tickets", { bodyLimit: 1024, onRequest: app.authenticated }, async (req, reply) => {
    const p = req.principal ?? (await app.authenticate(req));
    const t = await app.tickets.issue(p);
    return reply.header("cache-control", "no-store").send(t);
  });
  done();
}
