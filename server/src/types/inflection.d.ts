// The functions tenantguard uses of `inflection`, the package Sequelize derives table and column names with.
declare module "inflection" {
  const inflection: { pluralize(word: string): string; underscore(word: string): string };
  export default inflection;
}
