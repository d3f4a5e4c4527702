// AIModel v1alpha1: schema, types, condition constants, kind record and shared rules (the public
// face of the kind).
export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";
export * from "./kind.ts";
export * from "./rules.ts";
export * from "./image-policy.ts";
