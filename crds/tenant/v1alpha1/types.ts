/** TypeScript types of Tenant, derived from the TypeBox schema. */
import type { Static } from "@sinclair/typebox";
import type {
  BruteForceSchema,
  ClientSchema,
  GroupSchema,
  IdentityProviderSchema,
  IdentitySchema,
  ModelsSchema,
  NamespacesSchema,
  NetworkSchema,
  OtpSchema,
  OwnerSchema,
  PasswordPolicySchema,
  TENANT_PHASES,
  QuotaSchema,
  RealmSchema,
  RoleSchema,
  SyncSchema,
  TenantSchema,
  TenantSpecSchema,
  TenantStatusSchema,
  TokenSettingsSchema,
  WebAuthnSchema,
  SYNC_MODES,
  IDP_TYPES,
  StepUpSchema,
} from "./schema.ts";

export type Tenant = Static<typeof TenantSchema>;
export type TenantSpec = Static<typeof TenantSpecSchema>;
export type TenantStatus = Static<typeof TenantStatusSchema>;
export type TenantOwner = Static<typeof OwnerSchema>;
export type TenantNamespaces = Static<typeof NamespacesSchema>;
export type TenantQuota = Static<typeof QuotaSchema>;
export type TenantNetwork = Static<typeof NetworkSchema>;
export type TenantModels = Static<typeof ModelsSchema>;
export type TenantIdentity = Static<typeof IdentitySchema>;
export type TenantRealm = Static<typeof RealmSchema>;
export type TenantPasswordPolicy = Static<typeof PasswordPolicySchema>;
export type TenantBruteForce = Static<typeof BruteForceSchema>;
export type TenantOtp = Static<typeof OtpSchema>;
export type TenantWebAuthn = Static<typeof WebAuthnSchema>;
export type TenantTokenSettings = Static<typeof TokenSettingsSchema>;
export type TenantRole = Static<typeof RoleSchema>;
export type TenantGroup = Static<typeof GroupSchema>;
export type TenantClient = Static<typeof ClientSchema>;
export type TenantIdentityProvider = Static<typeof IdentityProviderSchema>;
export type TenantSync = Static<typeof SyncSchema>;
export type TenantPhase = (typeof TENANT_PHASES)[number];
export type TenantSyncMode = (typeof SYNC_MODES)[number];
export type TenantIdentityProviderType = (typeof IDP_TYPES)[number];
export type TenantStepUp = Static<typeof StepUpSchema>;
