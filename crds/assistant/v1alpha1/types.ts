/** TypeScript types of Assistant, derived from the TypeBox schema. */
import type { Static } from "@sinclair/typebox";
import type {
  AssistantSchema,
  AssistantSpecSchema,
  AssistantStatusSchema,
  AssistantVersionSchema,
  ParametersSchema,
  ToolSchema,
  VariantSchema,
  ASSISTANT_PHASES,
  STICKINESS,
  TOOL_TYPES,
} from "./schema.ts";

export type Assistant = Static<typeof AssistantSchema>;
export type AssistantSpec = Static<typeof AssistantSpecSchema>;
export type AssistantStatus = Static<typeof AssistantStatusSchema>;
export type AssistantVersion = Static<typeof AssistantVersionSchema>;
export type AssistantVariant = Static<typeof VariantSchema>;
export type AssistantParameters = Static<typeof ParametersSchema>;
export type AssistantTool = Static<typeof ToolSchema>;
export type AssistantToolType = (typeof TOOL_TYPES)[number];
export type AssistantStickiness = (typeof STICKINESS)[number];
export type AssistantPhase = (typeof ASSISTANT_PHASES)[number];
