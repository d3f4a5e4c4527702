// Assistant schema cases (valid and invalid objects) checked offline with the same rules as the API
// server.
import { ASSISTANT } from "../../registry.ts";
import { kindSuite } from "../../shared/suite.ts";
import { invalidCases, validCases } from "./cases.ts";

kindSuite(ASSISTANT, validCases, invalidCases);
