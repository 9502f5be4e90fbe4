// A lookup by a secret or its hash is authentication: the caller has no tenant yet, and the
// secret is what decides it (`apiKey.findUnique({ where: { lookupHash } })`,
// `SELECT * FROM sessions WHERE token_hash = $1`). Such a query needs no tenant predicate.

/**
 * A column or field that holds a secret or its hash (`lookupHash`, `hashedKey`, `sessionToken`,
 * `client_secret`, `key_hash`). Not an id of one (`tokenId`, `token_id`), not a content hash
 * (`contentHash`), which any tenant could match.
 */
export function isCredentialField(name: string): boolean {
  if (/(?:^|_)id$|[a-z]Id$/.test(name)) return false;
  return /token|secret|(?:key|lookup|password|api|session)_?(?:hash|digest)|hash(?:ed)?_?(?:key|token|secret)/i.test(
    name,
  );
}
