// knex calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const knexModule: OrmModule = {
  name: "knex",
  appliesTo: () => false,
  check: () => [],
};
