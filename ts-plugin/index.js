// `tenantguard/ts-plugin` as tsserver resolves it (node10 resolution, no `exports` map
// needed): this directory's package.json points here, and here points at the bundle.
module.exports = require("../dist/ts-plugin.js");
