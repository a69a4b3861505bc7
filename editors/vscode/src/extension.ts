// Starts `mockfix lsp` for the Rust files of the workspace, so that mockfix's findings show as
// warnings and its fixes as quick fixes and a "Fix All" source action.
//
// The server reads its rule settings once, at `initialize`, so a change of any `mockfix.*`
// setting restarts it.

import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("mockfix.restartServer", restartServer),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("mockfix")) {
        await restartServer();
      }
    }),
  );
  await startServer();
}

export async function deactivate(): Promise<void> {
  await stopServer();
}

async function startServer(): Promise<void> {
  const settings = vscode.workspace.getConfiguration("mockfix");
  const command = settings.get<string>("path", "mockfix");
  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"] },
    debug: { command, args: ["lsp"] },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "rust" }, { language: "go" }],
    initializationOptions: {
      rules: settings.get<string[]>("rules", []),
      noDefaultRules: settings.get<boolean>("noDefaultRules", false),
    },
  };

  client = new LanguageClient("mockfix", "mockfix", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `mockfix: cannot start \`${command} lsp\`: ${message}. Install mockfix with \`cargo install\`, or set \`mockfix.path\` to the binary.`,
    );
  }
}

async function stopServer(): Promise<void> {
  const running = client;
  client = undefined;
  await running?.stop();
}

async function restartServer(): Promise<void> {
  await stopServer();
  await startServer();
}
