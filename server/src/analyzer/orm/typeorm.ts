// typeorm calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const typeormModule: OrmModule = {
  name: "typeorm",
  appliesTo: () => false,
  check: () => [],
};
