// Tenant schema cases (valid and invalid objects) checked offline with the same rules as the API
// server.
import { TENANT } from "../../registry.ts";
import { kindSuite } from "../../shared/suite.ts";
import { invalidCases, validCases } from "./cases.ts";

kindSuite(TENANT, validCases, invalidCases);
