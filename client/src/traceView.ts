// The trace view: a webview panel beside the editor showing the selected test's execution
// block by block. It renders with core/traceHtml.ts and asks the extension (via TraceActions)
// to reveal code, switch tests, or apply/dismiss a fix.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReportJson } from './core/report';
import { renderMessageHtml, renderTraceHtml } from './core/traceHtml';

export interface TraceActions {
  selectTest(uri: vscode.Uri, testId: string): Promise<void>;
  apply(uri: vscode.Uri, suggestionId: string): Promise<void>;
  dismiss(uri: vscode.Uri, suggestionId: string): Promise<void>;
}

export interface ShownTrace {
  uri: vscode.Uri;
  report: ReportJson;
  version: number; // document version the report was computed on
  testId?: string;
}

export class TraceView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: ShownTrace | undefined;
  private actions: TraceActions | undefined;
  private readonly mediaRoot: vscode.Uri;

  constructor(extensionUri: vscode.Uri) {
    this.mediaRoot = vscode.Uri.joinPath(extensionUri, 'client', 'media');
  }

  setActions(actions: TraceActions): void {
    this.actions = actions;
  }

  get current(): ShownTrace | undefined {
    return this.shown;
  }

  get visible(): boolean {
    return this.panel?.visible === true;
  }

  private ensurePanel(): vscode.WebviewPanel {
    if (this.panel) return this.panel;
    const panel = vscode.window.createWebviewPanel(
      'tracefix.trace',
      'Tracefix Trace',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [this.mediaRoot], enableFindWidget: true },
    );
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage((msg) => this.onMessage(msg));
    this.panel = panel;
    return panel;
  }

  show(trace: ShownTrace, document: vscode.TextDocument | undefined): void {
    this.shown = trace;
    const panel = this.ensurePanel();
    const webview = panel.webview;
    const lines = document ? document.getText().split(/\r?\n/) : [];
    panel.title = `Trace: ${path.basename(trace.uri.fsPath || trace.uri.path)}`;
    webview.html = renderTraceHtml({
      report: trace.report,
      documentLines: lines,
      fileLabel: vscode.workspace.asRelativePath(trace.uri, false),
      testId: trace.testId,
      nonce: crypto.randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'trace.css')).toString(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'trace.js')).toString(),
    });
    panel.reveal(vscode.ViewColumn.Beside, true);
  }

  showMessage(message: string): void {
    const panel = this.ensurePanel();
    panel.webview.html = renderMessageHtml(
      message,
      panel.webview.cspSource,
      panel.webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'trace.css')).toString(),
    );
    panel.reveal(vscode.ViewColumn.Beside, true);
  }

  private async onMessage(msg: { type?: string; line?: number; endLine?: number; testId?: string; id?: string }): Promise<void> {
    const shown = this.shown;
    if (!shown || !msg || typeof msg.type !== 'string') return;
    try {
      if (msg.type === 'reveal' && Number.isInteger(msg.line)) await revealLines(shown.uri, msg.line as number, msg.endLine ?? (msg.line as number));
      else if (msg.type === 'selectTest' && typeof msg.testId === 'string') await this.actions?.selectTest(shown.uri, msg.testId);
      else if (msg.type === 'apply' && typeof msg.id === 'string') await this.actions?.apply(shown.uri, msg.id);
      else if (msg.type === 'dismiss' && typeof msg.id === 'string') await this.actions?.dismiss(shown.uri, msg.id);
    } catch (err) {
      void vscode.window.showErrorMessage(`Tracefix: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** Shows 1-based lines [start, end] of a document in the editor column that has it (or the first). */
export async function revealLines(uri: vscode.Uri, start: number, end: number): Promise<void> {
  const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const document = existing?.document ?? (await vscode.workspace.openTextDocument(uri));
  const editor = await vscode.window.showTextDocument(document, { viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
  const last = Math.min(Math.max(end, start), document.lineCount) - 1;
  const range = new vscode.Range(Math.max(0, start - 1), 0, Math.max(0, last), document.lineAt(Math.max(0, last)).text.length);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
