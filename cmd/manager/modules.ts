// Every controller module the manager program can run, in start order. A new controller folder
// adds its `controllers/<kind>/module.ts` export here; --controllers picks among these by name,
// and the RBAC generator (cmd/manager/rbac.ts) reads the same list.
import { aimodelModule } from "../../controllers/aimodel/module.ts";
import { chaosPolicyModule } from "../../controllers/chaospolicy/module.ts";
import { chatRegionModule } from "../../controllers/chatregion/module.ts";
import { gatewayConfigModule } from "../../controllers/gateway-config/module.ts";
import { gatewayMetricsModule } from "../../controllers/gateway-metrics/module.ts";
import { tenantModule } from "../../controllers/tenant/module.ts";
import type { ControllerModule } from "../../operators/runtime/module.ts";

export const MODULES: readonly ControllerModule[] = [
  aimodelModule,
  gatewayConfigModule,
  gatewayMetricsModule,
  tenantModule,
  chatRegionModule,
  chaosPolicyModule,
];
