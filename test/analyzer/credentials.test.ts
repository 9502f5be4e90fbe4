// Which names hold a secret or its hash: a lookup by one is authentication, not a leak.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isCredentialField } from "../../server/src/analyzer/credentials";

test("a name that ends in a secret or a hash of one", () => {
  for (const name of [
    "token",
    "sessionToken",
    "refresh_token",
    "sessiontoken",
    "client_secret",
    "webhookSecret",
    "key_hash",
    "lookupHash",
    "apiKeyHash",
    "password_digest",
    "token_hash",
    "hashed_key",
    "hashedKey",
    "hashedToken",
    "fastHashedSecretKey",
    "hashed_api_key",
    "secretKey",
    "secret_key",
    "apiKey",
    "pkApiKey",
    "api_key",
  ])
    assert.ok(isCredentialField(name), name);
});

test("not a name that only contains the word, an id, a flag or a content hash", () => {
  for (const name of [
    "token_count",
    "tokenizer",
    "max_tokens",
    "token_type",
    "tokenExpiresAt",
    "is_secret",
    "isSecret",
    "hasToken",
    "secret_name",
    "secretVersion",
    "hashKey",
    "tokenId",
    "token_id",
    "contentHash",
    "publicKey",
    "hashedAt",
    "secretKeyId",
    "apiKeyId",
    "apiKeyName",
  ])
    assert.ok(!isCredentialField(name), name);
});
