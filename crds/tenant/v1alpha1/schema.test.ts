import { TENANT } from "../../registry.ts";
import { kindSuite } from "../../shared/suite.ts";
import { invalidCases, validCases } from "./cases.ts";

kindSuite(TENANT, validCases, invalidCases);
