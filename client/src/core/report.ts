// Types for the schema-1 report (DESIGN.md §2) that `tracefix/trace` returns, plus the few
// questions the trace view asks of it. Unknown extra fields are tolerated; missing optional
// ones default, because the report comes from another process.

export interface Position { line: number; character: number }
export interface TextEditJson { range: { start: Position; end: Position }; newText: string }

export interface TestJson {
  id: string;
  outcome: 'passed' | 'failed' | 'error' | 'timeout' | 'skipped' | string;
  message?: string;
  line?: number;
  duration_ms?: number;
  // Placement, added by the language server for editors (0-based lines, file URIs).
  uri?: string; // the file the test is defined in
  defLine?: number; // where (0-based)
  failUri?: string; // where it failed, when that is known
  failLine?: number;
  expected?: string; // a failed `==` assertion: the right side
  actual?: string; // and the left side
}

export interface VisitJson {
  test: string;
  iteration: number;
  before: Record<string, string>;
  after: Record<string, string>;
  returned?: string;
  raised?: string;
  step?: number; // position in the test's execution, when the server provides it
  changes?: Record<string, string>; // what the visit changed, as the server computes it (Visit.changes)
}

export interface BlockJson {
  id: string;
  function: string;
  start_line: number;
  end_line: number;
  suspiciousness: number;
  verdict: 'incorrect' | 'correct' | 'unknown' | string;
  explanation?: string; // the short "why this block" sentence
  details?: string; // the evidence behind it: traced values, spectrum counts, mutants
  visits?: VisitJson[];
  test_code?: boolean; // the block is part of a test (never the suspect)
}

export interface SuggestionJson {
  id: string;
  origin: string;
  title: string;
  explanation?: string; // at most two sentences, the same on every surface
  details?: string; // rank, score, prediction and re-run, for the curious
  diff?: string;
  edits?: TextEditJson[];
  validation?: { fixed: string[]; broken: string[]; passed: number; total: number } | null;
  p_accept?: number;
  shown?: boolean;
  reason?: string;
  display?: 'high' | 'medium' | 'low' | 'none' | string;
}

export interface ReportJson {
  schema: number;
  file: string;
  python?: string;
  tests: TestJson[];
  blocks: BlockJson[];
  suggestions: SuggestionJson[];
  timing_ms?: Record<string, number>;
  error?: string;
  messages?: string[];
}

export const FAILING = new Set(['failed', 'error', 'timeout']);

/** Accepts what looks like a schema-1 report (possibly wrapped as {report: …}); otherwise undefined. */
export function asReport(value: unknown): ReportJson | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.report && typeof v.report === 'object') return asReport(v.report);
  if (v.schema !== 1 || !Array.isArray(v.tests) || !Array.isArray(v.blocks)) return undefined;
  return {
    ...(v as unknown as ReportJson),
    suggestions: Array.isArray(v.suggestions) ? (v.suggestions as SuggestionJson[]) : [],
  };
}

/** The test the view shows by default: the requested one, else the first failing, else the first. */
export function pickTest(report: ReportJson, wanted?: string): TestJson | undefined {
  if (wanted) {
    const t = report.tests.find((x) => x.id === wanted);
    if (t) return t;
  }
  return report.tests.find((t) => FAILING.has(t.outcome)) ?? report.tests[0];
}

export interface Step {
  block: BlockJson;
  visit: VisitJson;
  index: number; // 0-based position in the displayed sequence
}

/**
 * The selected test's block visits in execution order: by `step` when the server sends it,
 * otherwise by where the block starts and then by iteration (a faithful order for straight and
 * branching code; loop bodies are grouped).
 */
export function stepsForTest(report: ReportJson, testId: string): Step[] {
  const raw: { block: BlockJson; visit: VisitJson; seq: number }[] = [];
  let seq = 0;
  for (const block of report.blocks) {
    for (const visit of block.visits ?? []) {
      if (visit.test === testId) raw.push({ block, visit, seq: seq++ });
    }
  }
  const allStepped = raw.length > 0 && raw.every((r) => typeof r.visit.step === 'number');
  raw.sort((a, b) =>
    allStepped
      ? (a.visit.step as number) - (b.visit.step as number)
      : a.block.start_line - b.block.start_line || a.visit.iteration - b.visit.iteration || a.seq - b.seq,
  );
  return raw.map((r, index) => ({ block: r.block, visit: r.visit, index }));
}

/**
 * Does a block's one-sentence rationale ("with score = 90", "Set `total` to 0", "Returned 'B'
 * in …") describe this visit? A block runs many times in one test; the sentence is about one
 * of those runs, and the view shows it only next to values that agree with it.
 */
export function agrees(sentence: string | undefined, visit: VisitJson): boolean {
  if (!sentence) return true;
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = new Set([...Object.keys(visit.before ?? {}), ...Object.keys(visit.after ?? {})]);
  for (const name of names) {
    const values = [visit.before?.[name], visit.after?.[name]].filter((v): v is string => v !== undefined);
    // Short explanations quote traced values as `name = value` (a long one shortened with "…").
    for (const m of sentence.matchAll(new RegExp(`\`${esc(name)} = ([^\`]+)\``, 'g'))) {
      const said = m[1];
      if (!values.some((v) => v === said || (said.endsWith('…') && v.startsWith(said.slice(0, -1))))) return false;
    }
    for (const pattern of [new RegExp(`(?<![\\w.\`])${esc(name)} = `, 'g'), new RegExp(`\`${esc(name)}\` to `, 'g')]) {
      for (const m of sentence.matchAll(pattern)) {
        const rest = sentence.slice((m.index ?? 0) + m[0].length);
        if (!values.some((v) => rest.startsWith(v))) return false;
      }
    }
  }
  const ret = /^Returned (.+?) in /.exec(sentence);
  if (ret && visit.returned !== undefined && visit.returned !== ret[1]) return false;
  return true;
}

/**
 * Where the view starts: the step of the most suspicious block of the code under test (never
 * the test's own code), at a visit its rationale agrees with; the first step when none is.
 */
export function startStep(steps: Step[]): number {
  let best = -1;
  steps.forEach((s, i) => {
    if (s.block.test_code || !(s.block.suspiciousness > 0)) return;
    const cur = best < 0 ? undefined : steps[best];
    const better =
      !cur ||
      s.block.suspiciousness > cur.block.suspiciousness ||
      (s.block === cur.block && agrees(s.block.explanation, s.visit) && !agrees(cur.block.explanation, cur.visit));
    if (better) best = i;
  });
  return Math.max(0, best);
}

export interface VarRow {
  name: string;
  before?: string;
  after?: string;
  change: 'same' | 'changed' | 'new' | 'gone';
}

/** One row per variable seen before or after the block, changed ones flagged. */
export function variableRows(visit: VisitJson): VarRow[] {
  const names = new Set([...Object.keys(visit.before ?? {}), ...Object.keys(visit.after ?? {})]);
  return [...names].map((name) => {
    const before = visit.before?.[name];
    const after = visit.after?.[name];
    // The server says what changed (Visit.changes); older servers leave it to this comparison.
    const moved = visit.changes ? name in visit.changes : before !== after;
    const change: VarRow['change'] =
      before === undefined ? 'new' : after === undefined ? 'gone' : moved ? 'changed' : 'same';
    return { name, before, after, change };
  });
}

/** Counts for the status bar and the view header. */
export function summarize(report: ReportJson): { failing: number; passed: number; shown: number; held: number } {
  return {
    failing: report.tests.filter((t) => FAILING.has(t.outcome)).length,
    passed: report.tests.filter((t) => t.outcome === 'passed').length,
    shown: report.suggestions.filter((s) => s.shown).length,
    held: report.suggestions.filter((s) => !s.shown).length,
  };
}

/** The server's answer to showAllSuggestions may be a list, {suggestions: [...]}, or a report. */
export function extractSuggestions(result: unknown): SuggestionJson[] | undefined {
  if (Array.isArray(result)) return result.filter((s) => s && typeof s.id === 'string' && typeof s.title === 'string');
  const report = asReport(result);
  if (report) return report.suggestions;
  if (result && typeof result === 'object' && Array.isArray((result as { suggestions?: unknown }).suggestions)) {
    return extractSuggestions((result as { suggestions: unknown[] }).suggestions);
  }
  return undefined;
}

