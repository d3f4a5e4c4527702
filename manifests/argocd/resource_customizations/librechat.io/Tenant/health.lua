-- Argo CD health check for librechat.io/v1alpha1 Tenant.
-- Argo CD runs scripts from argocd-cm with only Lua's base and table libraries (no string, os),
-- and a script cannot load another file, so each kind's check carries its own small helpers.
-- A Tenant is Degraded when one of its parts failed (namespaces, quota, network isolation, the
-- Keycloak realm) or Keycloak drifted from the spec; Progressing while parts are still reconciling.

local function findCondition(conditions, conditionType)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c)
  local text = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local function health(status, message)
  return { status = status, message = message }
end

local function observeGap(o)
  local generation = o.metadata.generation
  if o.status == nil then
    return "Waiting for the operator to report status"
  end
  if generation == nil then
    return nil
  end
  local observed = o.status.observedGeneration
  if observed == nil or observed < generation then
    return "Waiting for the operator to observe generation " .. tostring(generation)
  end
  return nil
end

-- Reasons that say a part is off on purpose or still being worked on, not that it failed.
local notFailures = {
  Reconciling = true,
  QuotaNotConfigured = true,
  IsolationDisabled = true,
  IdentityNotConfigured = true,
}

local function failedPart(conditions)
  for _, partType in ipairs({ "NamespacesReady", "QuotaEnforced", "NetworkIsolated", "IdentityReady" }) do
    local c = findCondition(conditions, partType)
    if c ~= nil and c.status == "False" and not notFailures[c.reason] then
      return partType .. " " .. describe(c)
    end
  end
  local drift = findCondition(conditions, "IdentityDrifted")
  if drift ~= nil and drift.status == "True" and drift.reason == "DriftDetected" then
    return "IdentityDrifted " .. describe(drift)
  end
  return nil
end

local gap = observeGap(obj)
if gap ~= nil then
  return health("Progressing", gap)
end
local conditions = obj.status.conditions
local ready = findCondition(conditions, "Ready")
if ready == nil or ready.status == "Unknown" then
  return health("Progressing", "Waiting for the Ready condition")
end
if ready.reason == "Terminating" then
  return health("Progressing", describe(ready))
end
local failed = failedPart(conditions)
if failed ~= nil then
  return health("Degraded", failed)
end
if ready.status == "True" then
  return health("Healthy", describe(ready))
end
if ready.reason == "Reconciling" or ready.reason == "NamespacesNotReady" or ready.reason == "IdentityNotSynced" then
  return health("Progressing", describe(ready))
end
return health("Degraded", describe(ready))
