// sequelize calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const sequelizeModule: OrmModule = {
  name: "sequelize",
  appliesTo: () => false,
  check: () => [],
};
