// The `tenantguard-language-server` bin: LSP over stdio (`--stdio`), or over the
// transport named on the command line (`--node-ipc`, `--socket=N`) as vscode-languageserver reads it.
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "./server";

startServer(createConnection(ProposedFeatures.all));
