-- Argo CD health check for librechat.io/v1alpha1 AIModel.
-- Argo CD runs scripts from argocd-cm with only Lua's base and table libraries (no string, os),
-- and a script cannot load another file, so each kind's check carries its own small helpers.
-- Order: the operator must have seen the current generation, then the hard failures, then a rollout
-- in progress, then replicas missing, then the Ready summary.

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
if ready.status == "False" then
  if ready.reason == "ScaledToZero" then
    return health("Suspended", describe(ready))
  end
  if ready.reason == "CredentialsMissing" or ready.reason == "CredentialsKeyMissing" or ready.reason == "ApplyFailed" then
    return health("Degraded", describe(ready))
  end
end
local progressing = findCondition(conditions, "Progressing")
if progressing ~= nil and progressing.status == "True" then
  return health("Progressing", describe(progressing))
end
local degraded = findCondition(conditions, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  return health("Degraded", describe(degraded))
end
if ready.status == "True" then
  return health("Healthy", describe(ready))
end
if ready.reason == "Reconciling" then
  return health("Progressing", describe(ready))
end
return health("Degraded", describe(ready))
