/**
 * TypeBox schemas of the public API bodies. Unknown fields pass through to the upstream
 * (OpenAI adds parameters often); the fields the gateway itself reads are validated.
 */
import { Type } from "@sinclair/typebox";
import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { FastifySchemaCompiler } from "fastify";
import { GatewayError } from "./errors.ts";

const Message = Type.Object(
  {
    role: Type.Union([
      Type.Literal("system"),
      Type.Literal("developer"),
      Type.Literal("user"),
      Type.Literal("assistant"),
      Type.Literal("tool"),
      Type.Literal("function"),
    ]),
    content: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Null(),
        Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true })),
      ]),
    ),
  },
  { additionalProperties: true },
);

/** POST /v1/chat/completions body. */
export const ChatBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(Message, { minItems: 1, maxItems: 100_000 }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          { include_usage: Type.Optional(Type.Boolean()) },
          { additionalProperties: true },
        ),
      ]),
    ),
    max_tokens: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()]),
    ),
    max_completion_tokens: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()]),
    ),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    stop: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 }), Type.Null()]),
    ),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
export type ChatBody = Static<typeof ChatBody>;

/** POST /v1/embeddings body. */
export const EmbeddingsBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    input: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1, maxItems: 4096 }),
      Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
      Type.Array(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
        minItems: 1,
        maxItems: 4096,
      }),
    ]),
    encoding_format: Type.Optional(Type.Union([Type.Literal("float"), Type.Literal("base64")])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
export type EmbeddingsBody = Static<typeof EmbeddingsBody>;

/** Fastify validator compiler backed by TypeBox's compiler (no coercion, first error reported with its path). */
export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema);
  return (data: unknown) => {
    if (check.Check(data)) return { value: data };
    const first = check.Errors(data).First();
    const path = first?.path ?? "";
    const param = path.replace(/^\//, "").split("/").join(".");
    return {
      error: new GatewayError("GW_ERR_INVALID_REQUEST", {
        message: `Invalid request: ${param === "" ? "body" : param}: ${first?.message ?? "invalid"}`,
        param: param === "" ? "body" : param,
      }),
    };
  };
};
