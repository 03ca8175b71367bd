// The palette commands. Each works on the active Python document and talks to the server
// through TracefixClient; none runs anything in an untrusted workspace. A run the user starts
// has one progress indicator, a notification with Cancel; problems with the run itself show in
// the trace view and the status item, as pop-ups only when tracefix.showNotifications is on.
import * as vscode from 'vscode';
import { FAILING, ReportJson, SuggestionJson, extractSuggestions } from './core/report';
import { ACCEPT_COMMAND, REJECT_COMMAND, SECRET_KEY, TracefixClient } from './serverClient';
import { TraceActions, TraceView } from './traceView';

const TRUST_MESSAGE = 'Tracefix runs your tests to trace them, so it is off in an untrusted workspace.';

function pythonDocument(uri?: vscode.Uri): vscode.TextDocument | undefined {
  if (uri) return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'python' ? doc : undefined;
}

function asUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value) return vscode.Uri.parse(value);
  return undefined;
}

export class Commands implements TraceActions {
  constructor(
    private readonly server: TracefixClient,
    private readonly view: TraceView,
    private readonly context: vscode.ExtensionContext,
  ) {}

  register(): vscode.Disposable[] {
    const reg = (id: string, fn: (...args: unknown[]) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          if (err instanceof vscode.CancellationError) return undefined;
          void vscode.window.showErrorMessage(`Tracefix: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        }
      });
    return [
      reg('tracefix.debug', (uri, testId) => this.debug(asUri(uri), typeof testId === 'string' ? testId : undefined)),
      reg('tracefix.debugTest', (uri) => this.debugTest(asUri(uri))),
      reg('tracefix.showSuggestions', (uri) => this.showSuggestions(asUri(uri))),
      reg('tracefix.showTrace', (uri) => this.showTrace(asUri(uri))),
      reg('tracefix.restartServer', () => this.restart()),
      reg('tracefix.resetPreferences', () => this.resetPreferences()),
      reg('tracefix.setApiKey', () => this.setApiKey()),
      reg('tracefix.clearApiKey', () => this.clearApiKey()),
      reg('tracefix.showOutput', async () => this.server.output.show()),
      reg('tracefix.showTestTrace', (arg) => this.showTestTrace(arg)),
    ];
  }

  /** Returns false (after telling the user why) when nothing may run. */
  private async ensureTrusted(): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    const pick = await vscode.window.showWarningMessage(TRUST_MESSAGE, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }

  private requireDocument(uri?: vscode.Uri): vscode.TextDocument {
    const doc = pythonDocument(uri);
    if (!doc) throw new Error('open a Python file first');
    return doc;
  }

  async debug(uri?: vscode.Uri, testId?: string): Promise<ReportJson | undefined> {
    if (!(await this.ensureTrusted())) return undefined;
    const doc = this.requireDocument(uri);
    this.server.requireClient();
    const name = vscode.workspace.asRelativePath(doc.uri, false);
    const version = doc.version;
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tracefix: tracing ${testId ?? name}`, cancellable: true },
      (progress, token) => this.server.runTrace(doc.uri, testId, token, (message) => progress.report({ message })),
    );
    if (!report) return undefined; // cancelled, or an edit overtook it: nothing to say
    this.view.show({ uri: doc.uri, report, version, testId }, doc);
    if (report.error && this.notify(doc.uri)) void vscode.window.showWarningMessage(`Tracefix: ${report.error}`);
    return report;
  }

  /** The results of a run the Testing view started, for the tests it asked about (no pop-ups: the view reports). */
  async runForTests(uri: vscode.Uri, testId: string | undefined, token: vscode.CancellationToken): Promise<ReportJson | undefined> {
    const doc = pythonDocument(uri) ?? (await vscode.workspace.openTextDocument(uri));
    return this.server.runTrace(doc.uri, testId, token);
  }

  private notify(uri: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('tracefix', uri).get<boolean>('showNotifications') === true;
  }

  /** From a failed test's message in the Testing view's peek: its trace, starting at the suspect block. */
  async showTestTrace(arg: unknown): Promise<void> {
    const test = (arg as { test?: vscode.TestItem })?.test ?? (arg as vscode.TestItem);
    const target = test && this.testTarget?.(test);
    if (!target) throw new Error('that test has no trace yet; run it with "Debug with Trace"');
    await this.selectTest(target.document, target.testId);
  }

  /** Set by the Testing view: which document's run reports a test item, and the test's id. */
  testTarget: ((item: vscode.TestItem) => { document: vscode.Uri; testId: string } | undefined) | undefined;

  async debugTest(uri?: vscode.Uri): Promise<void> {
    if (!(await this.ensureTrusted())) return;
    const doc = this.requireDocument(uri);
    const cached = this.view.current?.uri.toString() === doc.uri.toString() ? this.view.current.report : undefined;
    const report = cached ?? (await this.server.requestTrace(doc.uri));
    const tests = report?.tests ?? [];
    if (tests.length === 0) {
      this.view.showMessage(report?.error ?? 'Tracefix found no tests for this file.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      tests.map((t) => ({
        label: `${FAILING.has(t.outcome) ? '$(error)' : t.outcome === 'passed' ? '$(pass)' : '$(circle-outline)'} ${t.id}`,
        description: t.outcome,
        detail: t.message || undefined,
        id: t.id,
      })),
      { placeHolder: 'Test to debug with trace', matchOnDescription: true },
    );
    if (pick) await this.debug(doc.uri, pick.id);
  }

  async showTrace(uri?: vscode.Uri): Promise<void> {
    const doc = pythonDocument(uri) ?? (this.view.current && pythonDocument(this.view.current.uri));
    if (!vscode.workspace.isTrusted) {
      this.view.showMessage(TRUST_MESSAGE);
      return;
    }
    if (!doc) {
      this.view.showMessage('Open a Python file and run "Tracefix: Debug with Trace" to see its execution block by block.');
      return;
    }
    if (!this.server.isRunning) {
      this.view.showMessage(this.server.notRunningReason());
      return;
    }
    const testId = this.view.current?.uri.toString() === doc.uri.toString() ? this.view.current.testId : undefined;
    const version = doc.version;
    const report = await this.server.requestTrace(doc.uri, testId);
    if (report) this.view.show({ uri: doc.uri, report, version, testId }, doc);
    else this.view.showMessage(`No trace yet for ${vscode.workspace.asRelativePath(doc.uri, false)}: run "Tracefix: Debug with Trace".`);
  }

  /** Refreshes an open trace view after the server published new results for its document. */
  async refreshIfShowing(uri: vscode.Uri): Promise<void> {
    const cur = this.view.current;
    if (!cur || !this.view.visible || cur.uri.toString() !== uri.toString() || !this.server.isRunning) return;
    const doc = pythonDocument(uri);
    if (!doc) return;
    const version = doc.version;
    const report = await this.server.requestTrace(uri, cur.testId);
    if (report && JSON.stringify(report) !== JSON.stringify(cur.report)) this.view.show({ uri, report, version, testId: cur.testId }, doc);
  }

  async showSuggestions(uri?: vscode.Uri): Promise<void> {
    if (!(await this.ensureTrusted())) return;
    const doc = this.requireDocument(uri);
    const version = doc.version;
    const result = await this.server.executeServerCommand('tracefix.showAllSuggestions', [doc.uri.toString()]);
    let suggestions = extractSuggestions(result);
    if (!suggestions) suggestions = (await this.server.requestTrace(doc.uri))?.suggestions ?? [];
    if (suggestions.length === 0) {
      void vscode.window.setStatusBarMessage('Tracefix: no suggestions for this file', 4000);
      return;
    }
    const reject: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('thumbsdown'), tooltip: 'Dismiss this suggestion' };
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { s: SuggestionJson }>();
    qp.title = 'Tracefix suggestions (validated fixes first)';
    qp.placeholder = 'Pick a fix to apply; the thumbs-down button dismisses one';
    qp.matchOnDetail = true;
    qp.items = suggestions.map((s) => ({
      label: `${s.shown ? '$(lightbulb)' : '$(eye-closed)'} ${s.title}`,
      description: describeSuggestion(s),
      detail: s.explanation,
      buttons: [reject],
      s,
    }));
    qp.onDidTriggerItemButton(async (e) => {
      await this.dismiss(doc.uri, e.item.s.id);
      qp.items = qp.items.filter((i) => i !== e.item);
      if (qp.items.length === 0) qp.hide();
    });
    qp.onDidAccept(async () => {
      const item = qp.selectedItems[0];
      qp.hide();
      if (item) await this.applySuggestion(doc, item.s, version);
    });
    qp.onDidHide(() => qp.dispose());
    qp.show();
  }

  private async applySuggestion(doc: vscode.TextDocument, s: SuggestionJson, version: number): Promise<void> {
    if (doc.version !== version) {
      throw new Error('the file changed since this fix was computed; run "Debug with Trace" again');
    }
    if (!s.edits || s.edits.length === 0) throw new Error(`suggestion ${s.id} carries no edit`);
    const edit = new vscode.WorkspaceEdit();
    for (const e of s.edits) {
      edit.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
    }
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
    await this.server.executeServerCommand(ACCEPT_COMMAND, [doc.uri.toString(), s.id]);
  }

  // TraceActions, called from the trace view.
  async selectTest(uri: vscode.Uri, testId: string): Promise<void> {
    const doc = pythonDocument(uri) ?? (await vscode.workspace.openTextDocument(uri));
    const version = doc.version;
    const report = await this.server.requestTrace(uri, testId);
    if (report) this.view.show({ uri, report, version, testId }, doc);
  }

  async apply(uri: vscode.Uri, suggestionId: string): Promise<void> {
    const cur = this.view.current;
    const s = cur?.report.suggestions.find((x) => x.id === suggestionId);
    const doc = pythonDocument(uri) ?? (await vscode.workspace.openTextDocument(uri));
    if (!cur || !s) throw new Error('that suggestion is no longer available');
    await this.applySuggestion(doc, s, cur.version);
  }

  async dismiss(uri: vscode.Uri, suggestionId: string): Promise<void> {
    await this.server.executeServerCommand(REJECT_COMMAND, [uri.toString(), suggestionId]);
    void vscode.window.setStatusBarMessage('Tracefix: suggestion dismissed', 3000);
  }

  private async restart(): Promise<void> {
    if (!(await this.ensureTrusted())) return;
    await this.server.restart();
  }

  private async resetPreferences(): Promise<void> {
    if (!(await this.ensureTrusted())) return;
    const ok = await vscode.window.showWarningMessage(
      'Forget which Tracefix suggestions you accepted and dismissed? Tracefix will go back to its default judgement of which fixes to show.',
      { modal: true },
      'Reset',
    );
    if (ok !== 'Reset') return;
    await this.server.executeServerCommand('tracefix.resetFeedback', []);
    void vscode.window.showInformationMessage('Tracefix: learned preferences reset.');
  }

  private async setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
      title: 'Tracefix: LLM API key',
      prompt: 'Stored in VS Code secret storage (not in settings.json) and passed only to the tracefix server.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Enter a key, or press Escape to cancel' : undefined),
    });
    if (!key) return;
    await this.context.secrets.store(SECRET_KEY, key.trim());
    void vscode.window.showInformationMessage('Tracefix: API key stored; the server restarts to use it.');
  }

  private async clearApiKey(): Promise<void> {
    await this.context.secrets.delete(SECRET_KEY);
    void vscode.window.showInformationMessage('Tracefix: API key removed from secret storage.');
  }
}

function describeSuggestion(s: SuggestionJson): string {
  const v = s.validation;
  const parts = [s.shown ? 'shown' : 'held', s.origin];
  if (v) parts.push(`fixes ${v.fixed.length}, breaks ${v.broken.length}`);
  if (typeof s.p_accept === 'number') parts.push(`p ${Math.round(s.p_accept * 100)}%`);
  return parts.join(' · ');
}
