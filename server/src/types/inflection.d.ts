// The one function tenantguard uses of `inflection` (the package Sequelize pluralizes table names with).
declare module "inflection" {
  const inflection: { pluralize(word: string): string };
  export default inflection;
}
