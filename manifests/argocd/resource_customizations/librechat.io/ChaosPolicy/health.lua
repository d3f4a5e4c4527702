-- Argo CD health check for librechat.io/v1alpha1 ChaosPolicy.
-- Argo CD runs scripts from argocd-cm with only Lua's base and table libraries (no string, os),
-- and a script cannot load another file, so each kind's check carries its own small helpers.
-- spec.suspend and an engaged kill switch are Suspended (no runs, nothing injected); a fault that
-- could not be removed, a refused policy or a failed steady-state probe is Degraded. The suspend
-- check comes after the generation check: until the operator has seen spec.suspend, a fault may
-- still be injected.

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
local unrecovered = findCondition(conditions, "Unrecovered")
if unrecovered ~= nil and unrecovered.status == "True" then
  return health("Degraded", "Unrecovered " .. describe(unrecovered))
end
if obj.spec ~= nil and obj.spec.suspend == true then
  return health("Suspended", "Suspended by spec.suspend")
end
local killSwitch = findCondition(conditions, "KillSwitchEngaged")
if killSwitch ~= nil and killSwitch.status == "True" then
  return health("Suspended", "KillSwitchEngaged " .. describe(killSwitch))
end
local ready = findCondition(conditions, "Ready")
if ready == nil or ready.status == "Unknown" then
  return health("Progressing", "Waiting for the Ready condition")
end
local admitted = findCondition(conditions, "Admitted")
if admitted ~= nil and admitted.status == "False" then
  return health("Degraded", "Admitted " .. describe(admitted))
end
local steady = findCondition(conditions, "SteadyStateOK")
if steady ~= nil and steady.status == "False" and steady.reason == "ProbeFailed" then
  return health("Degraded", "SteadyStateOK " .. describe(steady))
end
if ready.reason == "Suspended" or ready.reason == "KillSwitchEngaged" then
  return health("Suspended", describe(ready))
end
if ready.status == "True" then
  return health("Healthy", describe(ready))
end
if ready.reason == "Reconciling" then
  return health("Progressing", describe(ready))
end
return health("Degraded", describe(ready))
