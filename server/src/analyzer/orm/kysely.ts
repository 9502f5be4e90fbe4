// kysely calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const kyselyModule: OrmModule = {
  name: "kysely",
  appliesTo: () => false,
  check: () => [],
};
