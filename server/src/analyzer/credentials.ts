// A lookup by a secret or its hash is authentication: the caller has no tenant yet, and the
// secret is what decides it (`apiKey.findUnique({ where: { lookupHash } })`,
// `SELECT * FROM sessions WHERE token_hash = $1`). Such a query needs no tenant predicate.
import type ts from "typescript";

/**
 * A name that ends in a secret, or in a hash of one: `token`, `secret`, `secretKey`, `apiKey` (`sessionToken`,
 * `client_secret`), a hash or digest of a key, lookup value, password, api key, session,
 * token or secret (`key_hash`, `lookupHash`, `password_digest`), a hashed one (`hashed_key`,
 * `hashedToken`, `fastHashedSecretKey`). Case-insensitive: Postgres folds unquoted names (`sessiontoken`).
 */
const CREDENTIAL =
  /(?:token|secret|secret_?key|api_?key|(?:key|lookup|password|api|session|token|secret)_?(?:hash|digest)|hashed_?(?:[a-z]+_?)?(?:key|token|secret|password))$/i;

/**
 * A column or field that holds a secret or its hash. Only where the name ends in one: a name
 * that merely contains the word holds something about it (`token_count`, `max_tokens`,
 * `token_type`, `tokenExpiresAt`, `secret_name`, `hashKey`). Never an id of one (`tokenId`,
 * `token_id`), a flag (`is_secret`, `hasToken`) or a content hash (`contentHash`), which any
 * tenant could match.
 */
export function isCredentialField(name: string): boolean {
  if (/(?:^|_)id$|[a-z]I[dD]$/.test(name)) return false;
  if (/^(?:is|has)(?:_|[A-Z])/.test(name)) return false;
  return CREDENTIAL.test(name);
}

/** A value written in the code, which is no secret anyone was given: `"x"`, `` `x` ``, `1`, `-1`, `true`, `false`, `null`, `undefined`. */
export function isLiteral(tsm: typeof ts, e: ts.Expression): boolean {
  if (tsm.isPrefixUnaryExpression(e)) return isLiteral(tsm, e.operand);
  if (tsm.isIdentifier(e)) return e.text === "undefined";
  return (
    tsm.isStringLiteral(e) ||
    tsm.isNoSubstitutionTemplateLiteral(e) ||
    tsm.isNumericLiteral(e) ||
    tsm.isBigIntLiteral(e) ||
    e.kind === tsm.SyntaxKind.TrueKeyword ||
    e.kind === tsm.SyntaxKind.FalseKeyword ||
    e.kind === tsm.SyntaxKind.NullKeyword
  );
}

/**
 * A flag that makes a row public: `isPublic`, `is_public`, `public`. A read that requires it to
 * be true reads only rows their tenant chose to publish (a public page, a shared collection):
 * anyone may read those. Writes by it still need the tenant.
 */
export function isPublicFlag(name: string): boolean {
  return /^(?:is_?)?public$/i.test(name);
}
