// Entry point: wires the language status item, the trace view, the Testing view, the commands
// and the language client, and keeps everything off until the workspace is trusted.
import * as vscode from 'vscode';
import { Commands } from './commands';
import { TracefixClient } from './serverClient';
import { StatusBar } from './statusBar';
import { TestingView } from './testing';
import { TraceView } from './traceView';

let server: TracefixClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Tracefix', { log: true });
  const status = new StatusBar();
  const view = new TraceView(context.extensionUri);
  server = new TracefixClient(context, status, output);
  const commands = new Commands(server, view, context);
  const testing = new TestingView(commands);
  commands.testTarget = (item) => testing.target(item);
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
    testing,
    server,
    ...commands.register(),
    vscode.window.onDidChangeActiveTextEditor(setActive),
    vscode.workspace.onDidCloseTextDocument((d) => {
      status.dispatch({ type: 'closed', uri: d.uri.toString() });
      testing.forget(d.uri.toString());
    }),
    server.onDidReceiveStatus((st) => {
      status.dispatch({
        type: 'doc',
        uri: st.uri,
        summary: { running: st.running, failing: st.failing, total: st.total, fixes: st.fixes, problem: st.problem },
      });
      testing.update(st);
      // New results for the text in the editor: an open trace view of this file follows them. (Not
      // for results kept from an older text: asking would start a run of text that does not parse.)
      if (!st.running && st.resultVersion !== undefined && st.resultVersion === st.version) {
        void commands.refreshIfShowing(vscode.Uri.parse(st.uri)).catch((err) => output.warn(`Refreshing the trace view: ${err}`));
      }
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

export async function deactivate(): Promise<void> {
  await server?.stop();
}
