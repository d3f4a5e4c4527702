/**
 * Stable error codes of the chat gateway: one table, so logs, metrics and clients match on
 * `code`, never on message text. `status` is the HTTP status for the SSE/POST transport;
 * `retryable` tells a client whether the same frame may succeed later.
 */
export const ERRORS = {
  CG_ERR_BAD_FRAME: { status: 400, retryable: false, message: "Frame is not valid JSON" },
  CG_ERR_INVALID_FRAME: {
    status: 400,
    retryable: false,
    message: "Frame does not match the protocol schema",
  },
  CG_ERR_UNKNOWN_TYPE: { status: 400, retryable: false, message: "Unknown frame type" },
  CG_ERR_UNSUPPORTED_VERSION: {
    status: 400,
    retryable: false,
    message: "Unsupported protocol version",
  },
  CG_ERR_FRAME_TOO_LARGE: {
    status: 413,
    retryable: false,
    message: "Frame exceeds the maximum size",
  },
  CG_ERR_UNAUTHENTICATED: {
    status: 401,
    retryable: false,
    message: "Missing or invalid access token",
  },
  CG_ERR_AUTH_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: "The identity provider is unreachable; retry",
  },
  CG_ERR_TOKEN_EXPIRED: { status: 401, retryable: true, message: "Access token expired" },
  CG_ERR_CONVERSATION_NOT_FOUND: {
    status: 404,
    retryable: false,
    message: "Conversation not found",
  },
  CG_ERR_MESSAGE_NOT_FOUND: { status: 404, retryable: false, message: "Message not found" },
  CG_ERR_INVALID_COMMAND: {
    status: 422,
    retryable: false,
    message: "Command is not valid for the conversation",
  },
  CG_ERR_VERSION_CONFLICT: {
    status: 409,
    retryable: true,
    message: "Conversation changed; reload and retry",
  },
  CG_ERR_REPLY_IN_PROGRESS: {
    status: 409,
    retryable: true,
    message: "A reply is already being generated",
  },
  CG_ERR_RATE_LIMITED: { status: 429, retryable: true, message: "Message rate limit exceeded" },
  CG_ERR_FLOOD: { status: 429, retryable: true, message: "Too many frames" },
  CG_ERR_TOO_MANY_SUBSCRIPTIONS: {
    status: 429,
    retryable: false,
    message: "Too many subscriptions on this connection",
  },
  CG_ERR_TOO_MANY_REQUESTS: {
    status: 429,
    retryable: true,
    message: "Request rate limit exceeded",
  },
  CG_ERR_SLOW_CONSUMER: {
    status: 503,
    retryable: true,
    message: "Client is not reading fast enough",
  },
  CG_ERR_INFERENCE_FAILED: {
    status: 502,
    retryable: true,
    message: "The inference gateway failed",
  },
  CG_ERR_TOO_MANY_CONNECTIONS: {
    status: 503,
    retryable: true,
    message: "Connection limit reached; retry later or elsewhere",
  },
  CG_ERR_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: "A backing service is unavailable; retry",
  },
  CG_ERR_NOT_FOUND: { status: 404, retryable: false, message: "Not found" },
  CG_ERR_DRAINING: { status: 503, retryable: true, message: "Replica is shutting down; reconnect" },
  CG_ERR_INTERNAL: { status: 500, retryable: true, message: "Internal error" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a stable code from {@link ERRORS}; `details` go to the client verbatim. */
export class ChatError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(ERRORS[code].message, options);
    this.name = "ChatError";
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.details = details;
  }
}

/** SQLSTATE classes and codes that mean "PostgreSQL is unavailable or too slow", not a bug. */
const PG_UNAVAILABLE = /^(08|53|57P0|57014|55P03)/;
const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Which backing service an error says is unavailable (refused, reset, timed out, shutting
 * down), or null. pg and ioredis report these as plain Errors; the messages matched here are
 * the ones they throw (pg-pool's checkout timeout, pg's query_timeout, ioredis' command timeout
 * and closed connection).
 */
export function unavailableDependency(err: unknown): "postgres" | "redis" | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const name = e.constructor.name;
    if (
      name === "MaxRetriesPerRequestError" ||
      /^Command timed out|^Connection is closed|^Stream isn't writeable/.test(e.message)
    ) {
      return "redis";
    }
    if (typeof code === "string" && PG_UNAVAILABLE.test(code)) return "postgres";
    if (
      /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error/.test(
        e.message,
      )
    ) {
      return "postgres";
    }
    if (typeof code === "string" && NET_CODES.has(code)) return "postgres";
  }
  return null;
}

/**
 * Narrows unknown errors to a ChatError: an unavailable backing service becomes
 * CG_ERR_UNAVAILABLE (503, retryable, `details.dependency`), anything else CG_ERR_INTERNAL.
 */
export function toChatError(err: unknown): ChatError {
  if (err instanceof ChatError) return err;
  const dependency = unavailableDependency(err);
  if (dependency !== null)
    return new ChatError("CG_ERR_UNAVAILABLE", { dependency }, { cause: err });
  return new ChatError("CG_ERR_INTERNAL", undefined, { cause: err });
}

/** WebSocket close codes used by the gateway. */
export const CLOSE = {
  NORMAL: 1000,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  IDLE: 4000,
  TOKEN_EXPIRED: 4001,
  FLOOD: 4029,
} as const;
