/**
 * Coded error table for the inference gateway. Logs, metrics and clients match on `code`, never on
 * message text. Every error leaves the gateway in OpenAI's shape: {error:{message,type,param,code}}.
 */

/** OpenAI error `type` values used by the gateway. */
export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "api_error"
  | "timeout_error";

interface ErrorSpec {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly message: string;
}

/** The one table of gateway error codes. */
export const ERRORS = {
  GW_ERR_INVALID_JSON: {
    status: 400,
    type: "invalid_request_error",
    message: "Request body is not valid JSON",
  },
  GW_ERR_INVALID_REQUEST: {
    status: 400,
    type: "invalid_request_error",
    message: "Invalid request",
  },
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: "invalid_request_error",
    message: "Content-Type must be application/json",
  },
  GW_ERR_BODY_TOO_LARGE: {
    status: 413,
    type: "invalid_request_error",
    message: "Request body is too large",
  },
  GW_ERR_UNAUTHENTICATED: {
    status: 401,
    type: "authentication_error",
    message: "No credentials: send 'Authorization: Bearer <api key or token>'",
  },
  GW_ERR_INVALID_API_KEY: { status: 401, type: "authentication_error", message: "Invalid API key" },
  GW_ERR_INVALID_TOKEN: {
    status: 401,
    type: "authentication_error",
    message: "Invalid or expired token",
  },
  GW_ERR_MODEL_NOT_FOUND: {
    status: 404,
    type: "invalid_request_error",
    message: "The model does not exist",
  },
  GW_ERR_MODEL_FORBIDDEN: {
    status: 403,
    type: "permission_error",
    message: "The tenant may not use this model",
  },
  GW_ERR_WRONG_MODEL_TYPE: {
    status: 400,
    type: "invalid_request_error",
    message: "The model does not support this endpoint",
  },
  GW_ERR_UNBOUNDED_REQUEST: {
    status: 400,
    type: "invalid_request_error",
    message: "The request's cost cannot be bounded by its token reservation",
  },
  GW_ERR_UNSUPPORTED_PARAMETER: {
    status: 400,
    type: "invalid_request_error",
    message: "Parameter not supported by the selected backend",
  },
  GW_ERR_RATE_LIMITED: {
    status: 429,
    type: "rate_limit_error",
    message: "Requests per minute limit reached",
  },
  GW_ERR_TOKEN_RATE_LIMITED: {
    status: 429,
    type: "rate_limit_error",
    message: "Tokens per minute limit reached",
  },
  GW_ERR_BUDGET_EXCEEDED: {
    status: 429,
    type: "insufficient_quota",
    message: "Token budget exhausted",
  },
  GW_ERR_COST_BUDGET_EXCEEDED: {
    status: 429,
    type: "insufficient_quota",
    message: "Cost budget exhausted",
  },
  GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE: {
    status: 503,
    type: "api_error",
    message: "The token issuer's signing keys cannot be fetched; retry shortly",
  },
  GW_ERR_NO_HEALTHY_BACKEND: {
    status: 503,
    type: "api_error",
    message: "No healthy backend for this model",
  },
  GW_ERR_UPSTREAM_FAILED: { status: 502, type: "api_error", message: "All backends failed" },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, type: "timeout_error", message: "Upstream timed out" },
  GW_ERR_UPSTREAM_REJECTED: {
    status: 400,
    type: "invalid_request_error",
    message: "Upstream rejected the request",
  },
  GW_ERR_STREAM_INTERRUPTED: {
    status: 502,
    type: "api_error",
    message: "Upstream stream failed after output began; not retried",
  },
  GW_ERR_DEPENDENCY_UNAVAILABLE: {
    status: 503,
    type: "api_error",
    message: "Rate-limit store unavailable",
  },
  GW_ERR_CONFIG_NOT_LOADED: {
    status: 503,
    type: "api_error",
    message: "Routing configuration not loaded",
  },
  GW_ERR_NOT_FOUND: { status: 404, type: "not_found_error", message: "Not found" },
  GW_ERR_INTERNAL: { status: 500, type: "api_error", message: "Internal error" },
} as const satisfies Record<string, ErrorSpec>;

/** A gateway error code, e.g. `GW_ERR_MODEL_NOT_FOUND`. */
export type ErrorCode = keyof typeof ERRORS;

/** OpenAI-shaped error body. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** Options for a {@link GatewayError}. */
export interface GatewayErrorOptions {
  message?: string;
  param?: string;
  /** Overrides the table status (only for upstream pass-through of 4xx). */
  status?: number;
  /** Seconds for a Retry-After header. */
  retryAfter?: number;
  cause?: unknown;
}

/** An error from the table, carrying its code, status and OpenAI type. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, opts: GatewayErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(
      opts.message ?? spec.message,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.name = "GatewayError";
    this.code = code;
    this.statusCode = opts.status ?? spec.status;
    this.type = spec.type;
    this.param = opts.param ?? null;
    this.retryAfter = opts.retryAfter;
  }

  /** The body sent to clients; 5xx messages come from the table (upstream text is hidden). */
  toBody(): OpenAIErrorBody {
    const message = this.statusCode >= 500 ? ERRORS[this.code].message : this.message;
    return { error: { message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Builds an OpenAI error body for a code without throwing. */
export function errorBody(code: ErrorCode, message?: string): OpenAIErrorBody {
  return new GatewayError(code, message === undefined ? {} : { message }).toBody();
}
