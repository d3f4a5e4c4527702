/** TypeScript types of ChatRegion, derived from the TypeBox schema. */
import type { Static } from "@sinclair/typebox";
import type {
  BACKPLANE_TYPES,
  CHATREGION_PHASES,
  ChatRegionSchema,
  ChatRegionSpecSchema,
  ChatRegionStatusSchema,
  FleetSchema,
} from "./schema.ts";

export type ChatRegion = Static<typeof ChatRegionSchema>;
export type ChatRegionSpec = Static<typeof ChatRegionSpecSchema>;
export type ChatRegionStatus = Static<typeof ChatRegionStatusSchema>;
export type ChatRegionFleet = Static<typeof FleetSchema>;
export type ChatRegionResidency = ChatRegionSpec["residency"];
export type ChatRegionCapacity = ChatRegionSpec["capacity"];
export type ChatRegionFailover = NonNullable<ChatRegionSpec["failover"]>;
export type ChatRegionBackplane = ChatRegionSpec["backplane"];
export type ChatRegionDrain = ChatRegionSpec["drain"];
export type ChatRegionBackplaneType = (typeof BACKPLANE_TYPES)[number];
export type ChatRegionPhase = (typeof CHATREGION_PHASES)[number];
