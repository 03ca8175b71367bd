// Entry point: wires the status bar, the trace view, the commands and the language client,
// and keeps everything off until the workspace is trusted.
import * as vscode from 'vscode';
import { Commands } from './commands';
import { DocSummary } from './core/status';
import { ACCEPT_COMMAND, TracefixServer } from './serverClient';
import { StatusBar } from './statusBar';
import { TraceView } from './traceView';

let server: TracefixServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Tracefix', { log: true });
  const status = new StatusBar();
  const view = new TraceView(context.extensionUri);
  server = new TracefixServer(context, status, output);
  const commands = new Commands(server, view, status, context);
  view.setActions(commands);
  const srv = server;

  const setActive = (editor: vscode.TextEditor | undefined) => {
    const doc = editor?.document;
    status.dispatch({ type: 'activeChanged', uri: doc?.languageId === 'python' ? doc.uri.toString() : undefined });
  };
  setActive(vscode.window.activeTextEditor);

  context.subscriptions.push(
    output,
    status,
    view,
    server,
    ...commands.register(),
    vscode.window.onDidChangeActiveTextEditor(setActive),
    vscode.workspace.onDidCloseTextDocument((d) => status.dispatch({ type: 'closed', uri: d.uri.toString() })),
    server.onDidChangeDiagnostics(async (uri) => {
      status.dispatch({ type: 'summary', uri: uri.toString(), summary: await summarize(uri) });
      await commands.refreshIfShowing(uri).catch((err) => output.warn(`Refreshing the trace view: ${err}`));
    }),
    server.onDidDebug(({ uri, testId, report }) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) view.show({ uri, report, version: doc.version, testId }, doc);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void srv.start()),
  );

  if (!vscode.workspace.isTrusted) {
    status.dispatch({ type: 'untrusted' });
    output.info('Workspace not trusted: Tracefix will not run anything until it is.');
    return;
  }
  await server.start();
}

/** Failing tests are the server's error diagnostics; fixes are its quick fixes for the document. */
async function summarize(uri: vscode.Uri): Promise<DocSummary> {
  const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === undefined || /tracefix/i.test(d.source));
  const failing = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
  let fixes = 0;
  if (diagnostics.length > 0 && vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) {
    const seen = new Set<string>();
    for (const d of diagnostics) {
      const actions =
        (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
          'vscode.executeCodeActionProvider',
          uri,
          d.range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      for (const a of actions) {
        const cmd = 'command' in a && typeof a.command === 'object' ? a.command : undefined;
        if (cmd?.command === ACCEPT_COMMAND) seen.add(String(cmd.arguments?.[1]));
      }
    }
    fixes = seen.size;
  }
  return { failing, fixes };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
