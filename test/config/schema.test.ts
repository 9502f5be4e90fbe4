import assert from "node:assert/strict";
import { test } from "node:test";
import schema from "../../schema.json";
import { RULE_IDS } from "../../server/src/analyzer/types";

type SchemaNode = {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
};

test("every rule id is a key of rules, and nothing else", () => {
  assert.deepEqual(Object.keys(schema.properties.rules.properties), [...RULE_IDS]);
});

test("every property has a description and every object is closed (editors show and enforce both)", () => {
  const problems: string[] = [];
  const visit = (node: SchemaNode, path: string) => {
    if (!node.description) problems.push(`${path}: no description`);
    if (node.properties && node.additionalProperties !== false)
      problems.push(`${path}: additionalProperties is not false`);
    for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, `${path}.${key}`);
    if (node.items) visit(node.items, `${path}[]`);
    if (typeof node.additionalProperties === "object") visit(node.additionalProperties, `${path}.*`);
  };
  visit(schema as SchemaNode, "$");
  assert.deepEqual(problems, []);
});
