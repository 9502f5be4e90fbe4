import assert from "node:assert/strict";
import { test } from "node:test";
import { WeakCache } from "../../server/src/analyzer/weak-cache";

test("WeakCache computes once per tuple of keys, and apart for every other tuple", () => {
  const cache = new WeakCache<number>();
  const [file, checkerA, checkerB] = [{}, {}, {}];
  let computed = 0;
  const get = (...keys: [object, ...object[]]) => cache.get(keys, () => ++computed);
  assert.equal(get(file, checkerA), 1);
  assert.equal(get(file, checkerA), 1);
  assert.equal(get(file, checkerB), 2);
  assert.equal(get(file), 3, "a shorter tuple is its own entry");
  assert.equal(get(file, checkerB), 2);
  assert.equal(computed, 3);
});
