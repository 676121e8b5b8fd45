// The dxmap extension: highlighting comes from the grammar in syntaxes/;
// everything else from the language server, `dxmap lsp`, started here over
// standard input and output.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("dxmap").get("path") || "dxmap";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "dxmap",
    "dxmap",
    { run: server, debug: server },
    {
      documentSelector: [{ language: "dxmap" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{dxm,yaml}"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
