// A scoped read of a parent that requires a child with a key (`recipients: { some: { id } }`)
// proves the key of a row owned through that parent, through the relation that owns it only.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

/** A recipient owned through its envelope; `ccEnvelope` names another envelope, owning nothing. */
const SCHEMA = `
model Envelope {
  id           String      @id
  teamId       Int
  recipients   Recipient[] @relation("owned")
  ccRecipients Recipient[] @relation("cc")
}

model Recipient {
  id           String    @id
  envelopeId   String
  envelope     Envelope  @relation("owned", fields: [envelopeId], references: [id])
  ccEnvelopeId String?
  ccEnvelope   Envelope? @relation(name: "cc", fields: [ccEnvelopeId], references: [id])
  email        String
}
`;

const h = harness({ files: { "/p/prisma/schema.prisma": SCHEMA }, config: { tenantColumns: ["teamId"] } });

const handler = (relation: string) => ({
  "/p/src/routes/recipients.ts": `${PRISMA_CLIENT}export async function remove(teamId: number, input: { recipientId: string }) {
  const env = await prisma.envelope.findFirst({ where: { teamId, ${relation}: { some: { id: input.recipientId } } } });
  if (!env) throw new Error("not found");
  await prisma.recipient.delete({ where: { id: input.recipientId } });
}
`,
});

describe("a child key required by a scoped read of its parent, with two relations between them", () => {
  test('through the relation that owns the child (`recipients`, named "owned" on both sides): proven', () => {
    assert.deepEqual(h.run(handler("recipients")).flagged, []);
  });

  test("twin: through the other relation (`ccRecipients`): the recipient's own envelope may be another team's", () => {
    assert.deepEqual(h.run(handler("ccRecipients")).flagged, [
      "routes/recipients.ts:6: delete({ where: { id: input.recipientId } })",
    ]);
  });
});
