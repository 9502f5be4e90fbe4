// prisma calls (filled in by the ORM work, issue #3).
import type { OrmModule } from "./types";

export const prismaModule: OrmModule = {
  name: "prisma",
  appliesTo: () => false,
  check: () => [],
};
