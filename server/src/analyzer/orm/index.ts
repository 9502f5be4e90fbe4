import { drizzleModule } from "./drizzle";
import { knexModule } from "./knex";
import { kyselyModule } from "./kysely";
import { prismaModule } from "./prisma";
import { sequelizeModule } from "./sequelize";
import type { OrmModule } from "./types";
import { typeormModule } from "./typeorm";

export type { OrmContext, OrmFinding, OrmModule, OrmQuery } from "./types";

/** Every ORM the analyzer understands; each is one file of the same shape. */
export const ORM_MODULES: readonly OrmModule[] = [
  prismaModule,
  drizzleModule,
  kyselyModule,
  knexModule,
  typeormModule,
  sequelizeModule,
];
