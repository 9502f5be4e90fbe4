// Zero-config clients: when the config names none, find the project's root client (a module-level
// `new PrismaClient()`, `new Pool()`, `drizzle(...)`) that a tenant wrapper also wraps (a
// `$extends`, a function taking a tenant id that uses it, a function setting `app.tenant_id`).
// The root client is then unscoped and the wrapper scoped; the front end prints what was found so
// the user can confirm it in `clients`.
import type ts from "typescript";
import { escapeRegExp } from "../escape-regexp";
import type { ResolvedConfig } from "../config/types";
import { isRootClientConstruction } from "./boundary";

/**
 * Files that can build a module-level root client (`const db = new PrismaClient()`,
 * `export const pool = new pg.Pool(...)`, `const db: Knex = knex(config)`): the only ones
 * detection needs to parse. A declaration, not any `knex('orders')` query.
 */
export const MAY_BUILD_ROOT_CLIENT =
  /\b(?:const|let|var)\s+[\w$]+\s*(?::[^=;]*)?=\s*(?:await\s+)?\(?\s*(?:new\s+(?:[\w$]+\.)?(?:PrismaClient|Pool|Kysely|Client)\b|(?:[\w$]+\.)?(?:drizzle|knex)\s*(?:<[^>]*>\s*)?\((?!\s*['"`]))/;

export interface DetectedClients {
  scoped: string[];
  unscoped: string[];
  /** One line per detection, for the front end to print ("detected ..."). */
  notes: string[];
}

const TENANT_PARAM = /tenant|org(anization|anisation)?(Id)?$|workspace|account|customer/i;
const TENANT_SETTING = /set_config\s*\(\s*'[\w]+\.[\w]*tenant|set\s+(local\s+)?[\w]+\.[\w]*tenant/i;

/** Detects root and tenant-scoped clients across the project's files (paths in notes relative to `rootDir`). */
export function detectClients(tsm: typeof ts, files: readonly ts.SourceFile[], rootDir = ""): DetectedClients {
  const result: DetectedClients = { scoped: [], unscoped: [], notes: [] };
  const where = (node: ts.Node) => {
    const sf = node.getSourceFile();
    const rel =
      rootDir && sf.fileName.startsWith(rootDir) ? sf.fileName.slice(rootDir.length).replace(/^\//, "") : sf.fileName;
    return `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
  };
  for (const file of files) {
    for (const root of rootClients(tsm, file)) {
      const wrappers = tenantWrappers(tsm, file, root.name);
      if (!wrappers.length) continue;
      if (!result.unscoped.includes(root.name)) result.unscoped.push(root.name);
      for (const w of wrappers) {
        if (!result.scoped.includes(w.name)) result.scoped.push(w.name);
        result.notes.push(
          `detected root client "${root.name}" (${where(root.node)}) wrapped by tenant client "${w.name}" (${where(w.node)}, ${w.how}): queries through "${w.name}" need no predicate, and with isolation rls, schema or database queries through "${root.name}" are unscoped-client; confirm with "clients" in tenantguard.config.json`,
        );
      }
    }
  }
  return result;
}

/** The config with detected clients filled in, when the user named none. */
export function withDetectedClients(config: ResolvedConfig, detected: DetectedClients): ResolvedConfig {
  const { scoped, unscoped } = config.clients;
  if (scoped.length || unscoped.length || !detected.scoped.length) return config;
  // At isolation "row" the team relies on predicates, so a query through the root client that
  // carries one is fine: only the wrapper is trusted (its queries need no predicate). The root
  // client becomes a boundary only when the team relies on the wrapper (rls, schema, database).
  const root = config.isolation === "row" ? [] : detected.unscoped;
  return { ...config, clients: { ...config.clients, scoped: detected.scoped, unscoped: root } };
}

function rootClients(tsm: typeof ts, file: ts.SourceFile): { name: string; node: ts.Node }[] {
  const out: { name: string; node: ts.Node }[] = [];
  for (const s of file.statements) {
    if (!tsm.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations)
      if (tsm.isIdentifier(d.name) && d.initializer && isRootClientConstruction(tsm, d.initializer))
        out.push({ name: d.name.text, node: d });
  }
  return out;
}

interface Wrapper {
  name: string;
  node: ts.Node;
  how: string;
}

/** Module-level functions (and `const f = () => ...`) that wrap `root` for one tenant. */
function tenantWrappers(tsm: typeof ts, file: ts.SourceFile, root: string): Wrapper[] {
  const out: Wrapper[] = [];
  for (const s of file.statements) {
    const candidates: {
      name: string;
      node: ts.Node;
      body: ts.Node;
      params: readonly ts.ParameterDeclaration[] | undefined;
    }[] = [];
    if (tsm.isFunctionDeclaration(s) && s.name && s.body)
      candidates.push({ name: s.name.text, node: s, body: s.body, params: s.parameters });
    if (tsm.isVariableStatement(s))
      for (const d of s.declarationList.declarations) {
        if (!tsm.isIdentifier(d.name) || !d.initializer) continue;
        const init = d.initializer;
        if (tsm.isArrowFunction(init) || tsm.isFunctionExpression(init))
          candidates.push({ name: d.name.text, node: d, body: init.body, params: init.parameters });
        else candidates.push({ name: d.name.text, node: d, body: init, params: undefined });
      }
    // The root's name as a regex: `$db` is a name too, and `\b` does not stand before `$`.
    const name = `(?<![\\w$])${escapeRegExp(root)}(?![\\w$])`;
    const mentions = new RegExp(name);
    const extendsIt = new RegExp(`${name}\\s*\\.\\s*\\$extends\\s*\\(`);
    for (const c of candidates) {
      const text = c.body.getText(file);
      if (!mentions.test(text)) continue;
      const extendsRoot = extendsIt.test(text);
      const takesTenant = !!c.params?.some((p) => TENANT_PARAM.test(p.name.getText(file)));
      if (TENANT_SETTING.test(text)) out.push({ name: c.name, node: c.node, how: "sets the tenant setting" });
      else if (extendsRoot && (takesTenant || !c.params))
        out.push({ name: c.name, node: c.node, how: `${root}.$extends` });
      else if (takesTenant && c.params && returnsClient(tsm, c.body, root))
        out.push({ name: c.name, node: c.node, how: "takes a tenant id and returns a client" });
    }
  }
  return out;
}

/** The function returns something built from the root client (or a new client), not a query result. */
function returnsClient(tsm: typeof ts, body: ts.Node, root: string): boolean {
  if (!tsm.isBlock(body))
    return !tsm.isCallExpression(body) || !/\.(query|find\w*|select|execute)\s*\(/.test(body.getText());
  const clientInit = new RegExp(
    `^(await\\s+)?(new\\s|${escapeRegExp(root)}\\s*\\.\\s*(connect|\\$extends|withSchema|child|acquire)\\b)`,
  );
  const returnsDerived = new RegExp(`^${escapeRegExp(root)}\\s*\\.\\s*(\\$extends|withSchema|child)`);
  const clientVars = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (
      tsm.isVariableDeclaration(n) &&
      tsm.isIdentifier(n.name) &&
      n.initializer &&
      clientInit.test(n.initializer.getText())
    )
      clientVars.add(n.name.text);
    tsm.forEachChild(n, collect);
  };
  collect(body);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isFunctionLike(n)) return;
    if (tsm.isReturnStatement(n) && n.expression) {
      const e = n.expression;
      const text = e.getText();
      if ((tsm.isIdentifier(e) && clientVars.has(e.text)) || tsm.isNewExpression(e) || returnsDerived.test(text))
        found = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}
