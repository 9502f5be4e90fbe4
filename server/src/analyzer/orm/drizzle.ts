// drizzle calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const drizzleModule: OrmModule = {
  name: "drizzle",
  appliesTo: () => false,
  check: () => [],
};
