/**
 * The gateway's log shape: one `err` serializer for every error (type, message, code, stack and
 * the cause chain) and a `req` serializer that never writes credentials. Browsers pass
 * connection tickets in the query string (WebSocket and EventSource cannot set headers), and a
 * client may still send `?access_token=`: query values of credential-like parameters and URL
 * userinfo are replaced before anything is logged.
 */
import type { LoggerOptions } from "pino";
import type { FastifyRequest } from "fastify";

const SECRET_PARAM = /token|ticket|key|secret|password|auth|code|session|sig/i;
const REDACTED = "[REDACTED]";

/** A request URL with the values of credential-like query parameters replaced (pure). */
export function redactUrl(raw: string): string {
  const q = raw.indexOf("?");
  if (q < 0) return raw;
  const params = new URLSearchParams(raw.slice(q + 1));
  const out: string[] = [];
  for (const [k, v] of params) {
    out.push(`${encodeURIComponent(k)}=${SECRET_PARAM.test(k) ? REDACTED : encodeURIComponent(v)}`);
  }
  return `${raw.slice(0, q)}${out.length > 0 ? `?${out.join("&")}` : ""}`;
}

/** Removes `user:password@` from URLs inside a message (driver errors may quote a URL). */
export function redactText(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi, `$1${REDACTED}@`);
}

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: unknown;
  details?: unknown;
  cause?: SerializedError;
}

/** The one error shape of every log line: pino's fields plus `code`, `details` and `cause`. */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { type: typeof err, message: redactText(String(err)) };
  const out: SerializedError = { type: err.name, message: redactText(err.message) };
  if (err.stack !== undefined) out.stack = redactText(err.stack);
  const { code, details } = err as { code?: unknown; details?: unknown };
  if (code !== undefined) out.code = code;
  if (details !== undefined) out.details = details;
  if (err.cause !== undefined && depth < 4) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** Fastify/pino logger options of the gateway (level, replica, serializers). */
export function loggerOptions(level: string, replica: string): LoggerOptions {
  return {
    level,
    base: { replica },
    serializers: {
      err: serializeError,
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  };
}
