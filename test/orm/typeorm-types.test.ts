// Type-aware mode: with a TypeChecker, repositories and models are recognised by type where
// the code gives no syntactic hint (a factory's return value, a type alias, a custom
// repository class, a default-imported model), and an optional tenant value is weak.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

// Minimal declarations modelled on the real packages (typeorm 0.3, sequelize 6).
const TYPEORM_DTS = `
export type FindOptionsWhere<T> = { [P in keyof T]?: unknown };
export interface FindManyOptions<T> { where?: FindOptionsWhere<T> | FindOptionsWhere<T>[]; take?: number }
export declare class Repository<Entity> {
  find(options?: FindManyOptions<Entity>): Promise<Entity[]>;
  findOneBy(where: FindOptionsWhere<Entity> | FindOptionsWhere<Entity>[]): Promise<Entity | null>;
  delete(criteria: string | string[] | FindOptionsWhere<Entity>): Promise<unknown>;
}
export declare class DataSource { getRepository<E>(target: new () => E): Repository<E> }
export declare function Entity(name?: string): ClassDecorator;
export declare function Column(options?: { name?: string }): PropertyDecorator;
export declare function PrimaryColumn(): PropertyDecorator;
`;
const SEQUELIZE_DTS = `
export declare class Model {
  static findAll<M extends Model>(this: { new (): M }, options?: { where?: object }): Promise<M[]>;
  static init(attributes: object, options: object): void;
}
export declare const DataTypes: { UUID: unknown; STRING: unknown };
`;

const FILES: Record<string, string> = {
  "/p/node_modules/typeorm/index.d.ts": TYPEORM_DTS,
  "/p/node_modules/sequelize/index.d.ts": SEQUELIZE_DTS,
  "/p/src/entities/order.entity.ts": `import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("orders")
export class Order {
  @PrimaryColumn() id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
}
`,
  "/p/src/models/invoice.model.ts": `import { DataTypes, Model } from "sequelize";
declare const sequelize: unknown;
export default class Invoice extends Model {}
Invoice.init({ id: DataTypes.UUID, tenantId: { type: DataTypes.UUID, field: "tenant_id" } }, { sequelize, tableName: "invoices" });
`,
  "/p/src/repos.ts": `import { DataSource, Repository } from "typeorm";
import { Order } from "./entities/order.entity";
declare const ds: DataSource;
export type OrderRepo = Repository<Order>;
export function ordersRepo() { return ds.getRepository(Order); }
export class OrderRepository extends Repository<Order> {}
`,
  "/p/src/service.ts": `import type { OrderRepo, OrderRepository } from "./repos";
import { ordersRepo } from "./repos";
import InvoiceModel from "./models/invoice.model";

export async function byFactory(id: string) {
  const repo = ordersRepo();
  return repo.findOneBy({ id });
}

export async function byAlias(repo: OrderRepo, id: string) {
  return repo.delete(id);
}

export class OrdersService {
  constructor(private readonly orders: OrderRepository) {}
  list() {
    return this.orders.find();
  }
}

export async function optionalTenant(repo: OrderRepo, id: string, tenantId?: string) {
  return repo.findOneBy({ id, tenantId });
}

export async function requiredTenant(repo: OrderRepo, id: string, tenantId: string) {
  return repo.findOneBy({ id, tenantId });
}

export async function defaultImportedModel() {
  return InvoiceModel.findAll();
}
`,
};

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function program(): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    experimentalDecorators: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const real = { fileExists: host.fileExists, readFile: host.readFile, getSourceFile: host.getSourceFile };
  host.fileExists = (f) => f in FILES || real.fileExists(f);
  host.readFile = (f) => FILES[f] ?? real.readFile(f);
  host.getSourceFile = (f, v, onError) =>
    f in FILES ? ts.createSourceFile(f, FILES[f], v, true) : real.getSourceFile(f, v, onError);
  const realDirectoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => Object.keys(FILES).some((f) => f.startsWith(`${d}/`)) || !!realDirectoryExists?.(d);
  host.realpath = (f) => f;
  host.getCurrentDirectory = () => "/p";
  return ts.createProgram(["/p/src/service.ts", "/p/src/repos.ts"], options, host);
}

test("with a TypeChecker, repositories and models are recognised by type", () => {
  const p = program();
  const errors = ts.getPreEmitDiagnostics(p).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(errors, []);
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  const { model } = discoverTenantModel(createMemoryFs(FILES), config, parser, ts);
  const sourceFile = p.getSourceFile("/p/src/service.ts")!;
  const found = analyzeSourceFile({
    ts,
    sourceFile,
    checker: p.getTypeChecker(),
    config,
    model,
    parser,
    relativePath: "src/service.ts",
  }).map((f) => [
    f.ruleId,
    sourceFile.text.slice(f.start, f.end),
    sourceFile.getLineAndCharacterOfPosition(f.start).line + 1,
  ]);
  assert.deepEqual(found, [
    ["missing-tenant-filter", "findOneBy({ id })", 7],
    ["missing-tenant-filter", "delete(id)", 11],
    ["missing-tenant-filter", "find()", 17],
    ["weak-tenant-filter", "findOneBy({ id, tenantId })", 22],
    ["missing-tenant-filter", "findAll()", 30],
  ]);
});

test("without a TypeChecker the same file reports only what the syntax shows", () => {
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  const { model } = discoverTenantModel(createMemoryFs(FILES), config, parser, ts);
  const sourceFile = ts.createSourceFile("/p/src/service.ts", FILES["/p/src/service.ts"], ts.ScriptTarget.Latest, true);
  const found = analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath: "src/service.ts" }).map(
    (f) => f.ruleId,
  );
  assert.deepEqual(found, []);
});
