// NestJS CQRS (ever-gauzy's time tracking): a handler's `execute(command)` runs with each
// `new Command(...)` a service hands to the bus, so a key the handler reads off the command
// (`command.slot.id`) is judged where the command is made. Each safe case beside its twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

const ENTITY = `import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("time_slot")
export class TimeSlot {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
  @Column() minutes!: number;
}`;
const CONFIG = { tenantColumns: ["tenant_id"] };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = discoverTenantModel(
    createMemoryFs({ "/p/src/time-slot.entity.ts": ENTITY }),
    resolveConfig(CONFIG, "/p", undefined),
    parser,
    ts,
  ).model;
});

const COMMAND = `import { TimeSlot } from "../time-slot.entity";
export class DeleteSlotCommand {
  static readonly type = "[TimeSlot] delete";
  constructor(public readonly reason: string, public readonly slot: TimeSlot) {}
}`;

const handler = (decorator: string) => `import { CommandHandler, ICommandHandler } from "@nestjs/cqrs";
import { Repository } from "typeorm";
import { TimeSlot } from "../time-slot.entity";
import { DeleteSlotCommand } from "./delete-slot.command";
${decorator}
export class DeleteSlotHandler implements ICommandHandler<DeleteSlotCommand> {
  constructor(private readonly repo: Repository<TimeSlot>) {}
  async execute(command: DeleteSlotCommand) {
    const { slot } = command;
    const fresh = await this.repo.findOne({ where: { id: slot.id } });
    if (!fresh) throw new Error("gone");
    await this.repo.delete({ id: fresh.id });
  }
}`;

const service = (make: string) => `import { CommandBus } from "@nestjs/cqrs";
import { Repository } from "typeorm";
import { TimeSlot } from "./time-slot.entity";
import { DeleteSlotCommand } from "./commands/delete-slot.command";
export class SlotService {
  constructor(private readonly repo: Repository<TimeSlot>, private readonly bus: CommandBus) {}
  async deleteSlot(id: string, tenantId: string, input: { id: string }) {
    const slot = await this.repo.findOne({ where: { id, tenantId } });
    if (!slot) throw new Error("not found");
    return this.bus.execute(${make});
  }
}`;

const run = (make: string, decorator = "@CommandHandler(DeleteSlotCommand)", more: Record<string, string> = {}) =>
  runFlow(
    parser,
    model,
    {
      "/p/src/time-slot.entity.ts": ENTITY,
      "/p/src/commands/delete-slot.command.ts": COMMAND,
      "/p/src/commands/delete-slot.handler.ts": handler(decorator),
      "/p/src/slot.service.ts": service(make),
      ...more,
    },
    { config: CONFIG },
  );

const other = (text: string) => ({ "/p/src/other.service.ts": text });

describe("a CQRS handler's command, judged where it is made", () => {
  test("every `new DeleteSlotCommand(...)` hands over a row a scoped query returned: the handler's reads and writes are proven", () => {
    const r = run(`new DeleteSlotCommand("user", slot)`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /key `slot.id` is a parameter of `execute`, and every call passes a proven key: slot.service.ts line 10/.test(
          p,
        ),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: a command made from the request, or a handler no decorator ties to the command", () => {
    const both = [
      "commands/delete-slot.handler.ts:10: findOne({ where: { id: slot.id } })",
      "commands/delete-slot.handler.ts:12: delete({ id: fresh.id })",
    ];
    assert.deepEqual(run(`new DeleteSlotCommand("user", { id: input.id } as TimeSlot)`).flagged, both);
    assert.deepEqual(run(`new DeleteSlotCommand("user", slot)`, "").flagged, both);
  });

  test("twins: the command made another way elsewhere (an alias, a namespace, from a plain object) or the handler called directly", () => {
    const both = [
      "commands/delete-slot.handler.ts:10: findOne({ where: { id: slot.id } })",
      "commands/delete-slot.handler.ts:12: delete({ id: fresh.id })",
    ];
    const safe = `new DeleteSlotCommand("user", slot)`;
    for (const text of [
      `import { DeleteSlotCommand as Del } from "./commands/delete-slot.command";\nexport const f = (bus: any, body: any) => bus.execute(new Del("admin", { id: body.id }));`,
      `import * as C from "./commands/delete-slot.command";\nexport const f = (bus: any, body: any) => bus.execute(new C.DeleteSlotCommand("admin", { id: body.id }));`,
      `import { plainToInstance } from "class-transformer";\nimport { DeleteSlotCommand } from "./commands/delete-slot.command";\nexport const f = (bus: any, body: any) => bus.execute(plainToInstance(DeleteSlotCommand, body));`,
      `import { DeleteSlotHandler } from "./commands/delete-slot.handler";\nexport class Direct { constructor(private readonly handler: DeleteSlotHandler) {}\n  run(body: any) { return this.handler.execute(body); } }`,
    ])
      assert.deepEqual(run(safe, undefined, other(text)).flagged, both, text);
  });
});
