// The Testing view: the tests tracefix runs for each open document, with their outcomes.
// Items come from the server's status (pytest node ids from the report, placed at their
// definitions); each new set of results is recorded as a test run, so a failure shows in the
// view and its peek as it does for the Python extension: at the failing line, as an
// expected/actual diff for a failed `==`, with "Show Trace" beside the message. The "Debug with
// Trace" profile re-runs a document's tests and opens the trace view at the failure.
import * as vscode from 'vscode';
import { DocStatusJson } from './clientFeatures';
import { FAILING, ReportJson, TestJson } from './core/report';
import { relativeTo, testChain } from './core/testTree';

type PlacedTest = TestJson & { durationMs?: number };

export interface TestRunner {
  runForTests(uri: vscode.Uri, testId: string | undefined, token: vscode.CancellationToken): Promise<ReportJson | undefined>;
  selectTest(uri: vscode.Uri, testId: string): Promise<void>;
}

const MESSAGE_CONTEXT = 'tracefix.failure';

export class TestingView implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController('tracefix', 'Tracefix');
  private readonly leaves = new Map<string, { testId: string; owners: Set<string> }>(); // leaf item id → test
  private readonly recorded = new Map<string, string>(); // document uri → signature of the results last recorded
  private readonly profileRuns = new Set<string>(); // documents a profile run is working on

  constructor(private readonly runner: TestRunner) {
    const run = (debug: boolean) => (request: vscode.TestRunRequest, token: vscode.CancellationToken) => this.runProfile(request, token, debug);
    this.controller.createRunProfile('Debug with Trace', vscode.TestRunProfileKind.Debug, run(true), true);
    this.controller.createRunProfile('Run with Tracefix', vscode.TestRunProfileKind.Run, run(false), true);
  }

  /** Which document's run reports a test item, and the test's id (for "Show Trace"). */
  target(item: vscode.TestItem): { document: vscode.Uri; testId: string } | undefined {
    const leaf = this.leaves.get(item.id);
    const owner = leaf && [...leaf.owners][0];
    return leaf && owner ? { document: vscode.Uri.parse(owner), testId: leaf.testId } : undefined;
  }

  update(status: DocStatusJson): void {
    if (!status.tests || !status.root) return;
    this.place(status.uri, status.root, status.tests);
    if (status.running || this.profileRuns.has(status.uri)) return;
    const signature = `${status.resultVersion}|${status.tests.map((t) => `${t.id}=${t.outcome}`).join(',')}`;
    if (this.recorded.get(status.uri) === signature) return;
    this.recorded.set(status.uri, signature);
    // Results of a run on save: recorded (not persisted across reloads) so the view shows them.
    const run = this.controller.createTestRun(new vscode.TestRunRequest(), `Tracefix: ${relativeTo(status.root, vscode.Uri.parse(status.uri).fsPath)}`, false);
    for (const t of status.tests) this.report(run, t);
    run.end();
  }

  forget(uri: string): void {
    this.recorded.delete(uri);
    for (const [id, leaf] of this.leaves) {
      leaf.owners.delete(uri);
      if (leaf.owners.size === 0) this.remove(id);
    }
  }

  private place(docUri: string, root: string, tests: PlacedTest[]): void {
    const docFile = relativeTo(root, vscode.Uri.parse(docUri).fsPath);
    const seen = new Set<string>();
    for (const t of tests) {
      const chain = testChain(root, t.id, docFile);
      let parent: vscode.TestItemCollection = this.controller.items;
      chain.forEach((node, i) => {
        let item = parent.get(node.id);
        if (!item) {
          const uri = t.uri ? vscode.Uri.parse(t.uri) : vscode.Uri.parse(docUri);
          item = this.controller.createTestItem(node.id, node.label, uri);
          if (i > 0 && typeof t.defLine === 'number') item.range = new vscode.Range(t.defLine, 0, t.defLine, 0);
          parent.add(item);
        }
        parent = item.children;
      });
      const leafId = chain[chain.length - 1].id;
      seen.add(leafId);
      const leaf = this.leaves.get(leafId) ?? { testId: t.id, owners: new Set<string>() };
      leaf.owners.add(docUri);
      this.leaves.set(leafId, leaf);
    }
    for (const [id, leaf] of this.leaves) {
      if (leaf.owners.has(docUri) && !seen.has(id)) {
        leaf.owners.delete(docUri);
        if (leaf.owners.size === 0) this.remove(id);
      }
    }
  }

  /** Deletes a leaf and every ancestor it leaves empty. */
  private remove(id: string): void {
    this.leaves.delete(id);
    const item = this.find(id);
    if (!item) return;
    let node: vscode.TestItem | undefined = item;
    while (node) {
      const up: vscode.TestItem | undefined = node.parent;
      (up ? up.children : this.controller.items).delete(node.id);
      if (!up || up.children.size > 0) break;
      node = up;
    }
  }

  private find(id: string, in_: vscode.TestItemCollection = this.controller.items): vscode.TestItem | undefined {
    const direct = in_.get(id);
    if (direct) return direct;
    let found: vscode.TestItem | undefined;
    in_.forEach((child) => {
      found ??= this.find(id, child.children);
    });
    return found;
  }

  private report(run: vscode.TestRun, t: PlacedTest): void {
    const item = [...this.leaves].find(([, leaf]) => leaf.testId === t.id)?.[0];
    const node = item ? this.find(item) : undefined;
    if (!node) return;
    const duration = typeof t.durationMs === 'number' ? t.durationMs : t.duration_ms;
    if (t.outcome === 'passed') run.passed(node, duration);
    else if (t.outcome === 'skipped') run.skipped(node);
    else if (FAILING.has(t.outcome)) {
      const text = t.message || t.outcome;
      const message =
        t.expected !== undefined && t.actual !== undefined ? vscode.TestMessage.diff(text, t.expected, t.actual) : new vscode.TestMessage(text);
      const where = t.failUri ?? t.uri;
      const line = t.failLine ?? t.defLine;
      if (where && typeof line === 'number') message.location = new vscode.Location(vscode.Uri.parse(where), new vscode.Position(line, 0));
      // Lets the peek offer "Show Trace" next to the message (testing/message/* menus; VS Code 1.86+).
      (message as { contextValue?: string }).contextValue = MESSAGE_CONTEXT;
      if (t.outcome === 'failed') run.failed(node, message, duration);
      else run.errored(node, message, duration);
    }
  }

  private leavesUnder(item: vscode.TestItem, out: vscode.TestItem[] = []): vscode.TestItem[] {
    if (this.leaves.has(item.id)) out.push(item);
    item.children.forEach((c) => this.leavesUnder(c, out));
    return out;
  }

  private async runProfile(request: vscode.TestRunRequest, token: vscode.CancellationToken, debug: boolean): Promise<void> {
    const roots: vscode.TestItem[] = [];
    if (request.include) roots.push(...request.include);
    else this.controller.items.forEach((i) => roots.push(i));
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const wanted = roots.flatMap((r) => this.leavesUnder(r)).filter((l) => !excluded.has(l.id));
    // One run per document: tracefix runs all of a document's tests at once.
    const byDoc = new Map<string, vscode.TestItem[]>();
    for (const leaf of wanted) {
      const owner = [...(this.leaves.get(leaf.id)?.owners ?? [])][0];
      if (owner) byDoc.set(owner, [...(byDoc.get(owner) ?? []), leaf]);
    }
    const run = this.controller.createTestRun(request);
    let firstFailure: { document: vscode.Uri; testId: string } | undefined;
    try {
      for (const [doc, leaves] of byDoc) {
        if (token.isCancellationRequested) break;
        leaves.forEach((l) => run.started(l));
        const single = leaves.length === 1 ? this.leaves.get(leaves[0].id)?.testId : undefined;
        this.profileRuns.add(doc);
        let report: ReportJson | undefined;
        try {
          report = await this.runner.runForTests(vscode.Uri.parse(doc), single, token);
        } finally {
          this.profileRuns.delete(doc);
        }
        if (!report) {
          leaves.forEach((l) => run.skipped(l));
          continue;
        }
        const ids = new Set(leaves.map((l) => this.leaves.get(l.id)?.testId));
        for (const t of report.tests as PlacedTest[]) {
          if (!ids.has(t.id)) continue;
          this.report(run, t);
          if (!firstFailure && FAILING.has(t.outcome)) firstFailure = { document: vscode.Uri.parse(doc), testId: t.id };
        }
      }
    } finally {
      run.end();
    }
    if (debug && firstFailure) await this.runner.selectTest(firstFailure.document, firstFailure.testId);
  }

  dispose(): void {
    this.controller.dispose();
  }
}
