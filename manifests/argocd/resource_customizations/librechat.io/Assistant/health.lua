-- Argo CD health check for librechat.io/v1alpha1 Assistant.
-- Argo CD runs scripts from argocd-cm with only Lua's base and table libraries (no string, os),
-- and a script cannot load another file, so each kind's check carries its own small helpers.
-- An automatic rollback (a variant failed its analysis) is Degraded, as an aborted Argo Rollout is;
-- a manual rollback is what the owner asked for and stays Healthy.

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

local gap = observeGap(obj)
if gap ~= nil then
  return health("Progressing", gap)
end
local conditions = obj.status.conditions
local ready = findCondition(conditions, "Ready")
if ready == nil or ready.status == "Unknown" then
  return health("Progressing", "Waiting for the Ready condition")
end
local rolledBack = findCondition(conditions, "RolledBack")
if rolledBack ~= nil and rolledBack.status == "True" and rolledBack.reason == "AutomaticRollback" then
  return health("Degraded", describe(rolledBack))
end
local variants = findCondition(conditions, "VariantsHealthy")
if variants ~= nil and variants.status == "False" and variants.reason == "ErrorRateExceeded" then
  return health("Degraded", describe(variants))
end
if ready.status == "True" then
  return health("Healthy", describe(ready))
end
if ready.reason == "Reconciling" or ready.reason == "ModelNotReady" then
  return health("Progressing", describe(ready))
end
return health("Degraded", describe(ready))
