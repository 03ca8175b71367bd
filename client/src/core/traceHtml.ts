// Renders the trace view's HTML from a report. Everything that comes from the user's program
// (names, values, messages, code, diffs) is escaped here, once, at the point of output.
import { FAILING, ReportJson, Step, SuggestionJson, TestJson, agrees, pickTest, startStep, stepsForTest, summarize, variableRows } from './report';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface TraceViewInput {
  report: ReportJson;
  documentLines: string[]; // the document text the report was computed on, split into lines
  fileLabel: string;
  testId?: string;
  nonce: string;
  cspSource: string;
  styleUri: string;
  scriptUri: string;
  maxCodeLines?: number;
}

const pct = (x: number | undefined) => Math.round(Math.max(0, Math.min(1, Number(x) || 0)) * 100);

function outcomeIcon(outcome: string): string {
  if (outcome === 'passed') return '✓';
  if (outcome === 'skipped') return '–';
  if (outcome === 'timeout') return '⧗';
  return '✗';
}

function testList(tests: TestJson[], selected?: string): string {
  if (tests.length === 0) return '<p class="muted">No tests were found for this file.</p>';
  const ordered = [...tests].sort((a, b) => Number(FAILING.has(b.outcome)) - Number(FAILING.has(a.outcome)));
  const items = ordered
    .map((t) => {
      const cls = `test ${FAILING.has(t.outcome) ? 'failing' : escapeHtml(t.outcome)}${t.id === selected ? ' selected' : ''}`;
      return `<li><button class="${cls}" data-test="${escapeHtml(t.id)}" aria-pressed="${t.id === selected}" title="${escapeHtml(t.message || t.outcome)}">` +
        `<span class="icon" aria-hidden="true">${outcomeIcon(t.outcome)}</span> ${escapeHtml(t.id)}` +
        `<span class="sr-only"> (${escapeHtml(t.outcome)})</span></button></li>`;
    })
    .join('');
  return `<ul class="tests" aria-label="Tests">${items}</ul>`;
}

function codeSnippet(lines: string[], start: number, end: number, max: number): string {
  const out: string[] = [];
  const last = Math.min(end, start + max - 1);
  for (let n = start; n <= last; n++) {
    const text = lines[n - 1];
    if (text === undefined) break;
    out.push(`<span class="ln">${n}</span>${escapeHtml(text)}`);
  }
  if (end > last) out.push(`<span class="ln"></span><span class="muted">… ${end - last} more lines</span>`);
  return `<pre class="code">${out.join('\n')}</pre>`;
}

function valueCell(value: string | undefined): string {
  return value === undefined ? '<td class="none">—</td>' : `<td><code>${escapeHtml(value)}</code></td>`;
}

function stepCard(step: Step, lines: string[], maxCode: number, total: number, start: boolean): string {
  const { block, visit } = step;
  const rows = variableRows(visit);
  const changed = rows.filter((r) => r.change !== 'same').length;
  const table = rows.length
    ? `<table class="vars"><thead><tr><th scope="col">variable</th><th scope="col">before</th><th scope="col">after</th></tr></thead><tbody>` +
      rows
        .map(
          (r) =>
            `<tr class="${r.change}"><th scope="row"><code>${escapeHtml(r.name)}</code>` +
            (r.change !== 'same' ? `<span class="tag">${r.change}</span>` : '') +
            `</th>${valueCell(r.before)}${valueCell(r.after)}</tr>`,
        )
        .join('') +
      '</tbody></table>'
    : '<p class="muted">No variables in scope.</p>';
  const outcome = [
    visit.returned !== undefined ? `<p class="returned">returned <code>${escapeHtml(visit.returned)}</code></p>` : '',
    visit.raised !== undefined ? `<p class="raised">raised <code>${escapeHtml(visit.raised)}</code></p>` : '',
  ].join('');
  const verdict = escapeHtml(block.verdict || 'unknown');
  const susp = pct(block.suspiciousness);
  const label = `Step ${step.index + 1} of ${total}: ${block.function} lines ${block.start_line} to ${block.end_line}, ${block.verdict}, ${changed} changed values` +
    (start ? ', the most suspicious block' : '');
  // The rationale is about one run of the block: shown only beside values that agree with it.
  const explanation = block.explanation && agrees(block.explanation, visit) ? block.explanation : '';
  return (
    `<li class="step verdict-${verdict}${block.test_code ? ' test-code' : ''}${start ? ' start' : ''}" tabindex="0" role="button"` +
    `${start ? ' data-start="true"' : ''} data-line="${block.start_line}" data-end="${block.end_line}" aria-label="${escapeHtml(label)}">` +
    `<div class="rail" aria-hidden="true"><span class="dot">${step.index + 1}</span></div>` +
    `<div class="card"><header><span class="where"><code>${escapeHtml(block.function)}</code> · lines ${block.start_line}–${block.end_line}` +
    (visit.iteration > 0 ? ` · iteration ${visit.iteration + 1}` : '') +
    `</span><span class="badge ${verdict}">${verdict}</span>` +
    `<span class="meter" title="suspiciousness ${susp}%"><span style="width:${susp}%"></span></span><span class="susp">${susp}%</span></header>` +
    codeSnippet(lines, block.start_line, block.end_line, maxCode) +
    table +
    outcome +
    (start ? '<p class="start-note">Most suspicious block of the code under test</p>' : '') +
    (explanation ? `<p class="explanation">${escapeHtml(explanation)}</p>` : '') +
    evidence(block.details) +
    `</div></li>`
  );
}

/** The long evidence (ranks, scores, spectrum counts) folded away under the short explanation. */
function evidence(details: string | undefined): string {
  return details ? `<details class="evidence"><summary>Evidence</summary><p>${escapeHtml(details)}</p></details>` : '';
}

function diffHtml(diff: string | undefined): string {
  if (!diff) return '';
  const body = diff
    .split('\n')
    .map((l) => {
      const cls = l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : l.startsWith('@@') ? 'hunk' : '';
      return `<span class="${cls}">${escapeHtml(l)}</span>`;
    })
    .join('\n');
  return `<pre class="diff">${body}</pre>`;
}

function suggestionCard(s: SuggestionJson): string {
  const v = s.validation;
  const validation = v
    ? `fixes ${v.fixed.length}, breaks ${v.broken.length}, ${v.passed}/${v.total} tests pass`
    : 'not validated';
  return (
    `<li class="suggestion${s.shown ? ' shown' : ' held'}"><header><strong>${escapeHtml(s.title)}</strong>` +
    `<span class="badge ${s.shown ? 'correct' : 'unknown'}">${s.shown ? (s.display === 'high' ? 'preferred' : 'shown') : 'held'}</span></header>` +
    `<p class="meta">${escapeHtml(s.origin)} · ${escapeHtml(validation)} · p(accept) ${pct(s.p_accept)}%` +
    (s.reason ? ` · ${escapeHtml(s.reason)}` : '') +
    `</p>` +
    (s.explanation ? `<p>${escapeHtml(s.explanation)}</p>` : '') +
    evidence(s.details) +
    diffHtml(s.diff) +
    `<div class="actions"><button class="primary" data-apply="${escapeHtml(s.id)}">Apply fix</button>` +
    `<button data-dismiss="${escapeHtml(s.id)}">Dismiss</button></div></li>`
  );
}

export function renderTraceHtml(input: TraceViewInput): string {
  const { report, nonce } = input;
  const test = pickTest(report, input.testId);
  const steps = test ? stepsForTest(report, test.id) : [];
  const start = startStep(steps);
  const counts = summarize(report);
  const maxCode = input.maxCodeLines ?? 12;
  const csp = `default-src 'none'; style-src ${input.cspSource}; img-src ${input.cspSource}; script-src 'nonce-${nonce}';`;
  const failingMsg =
    test && FAILING.has(test.outcome)
      ? `<div class="failure" role="alert"><span class="icon" aria-hidden="true">✗</span> <code>${escapeHtml(test.id)}</code> ${escapeHtml(test.outcome)}` +
        (test.message ? `: <code>${escapeHtml(test.message)}</code>` : '') +
        (test.line ? ` <a href="#" class="goto" data-line="${Number(test.line)}" data-end="${Number(test.line)}">line ${Number(test.line)}</a>` : '') +
        `</div>`
      : '';
  const timeline = test
    ? steps.length
      ? `<ol class="timeline" aria-label="Blocks executed by ${escapeHtml(test.id)}">${steps.map((s, i) => stepCard(s, input.documentLines, maxCode, steps.length, steps.length > 1 && i === start)).join('')}</ol>`
      : test.outcome === 'passed'
        ? `<p class="passed"><span aria-hidden="true">✓</span> <code>${escapeHtml(test.id)}</code> passes. Block traces are kept for failing tests.</p>`
        : `<p class="muted">No block of this file ran during <code>${escapeHtml(test.id)}</code>.</p>`
    : '';
  const notes = [report.error ? `<p class="error">${escapeHtml(report.error)}</p>` : '', ...(report.messages ?? []).map((m) => `<p class="muted">${escapeHtml(m)}</p>`)].join('');
  const suggestions = report.suggestions.length
    ? `<section aria-labelledby="sugg-h"><h2 id="sugg-h">Suggested fixes</h2><ul class="suggestions">${report.suggestions.map(suggestionCard).join('')}</ul></section>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>Tracefix trace</title></head>
<body>
<header class="top"><h1>Trace of <code>${escapeHtml(input.fileLabel)}</code></h1>
<p class="summary"><span class="fail">${counts.failing} failing</span> · <span class="pass">${counts.passed} passing</span> · ${report.suggestions.length} suggestion${report.suggestions.length === 1 ? '' : 's'}${report.python ? ` · Python ${escapeHtml(report.python)}` : ''}</p>
<p class="hint">↑/↓ or j/k move between blocks · Enter shows a block in the editor</p></header>
${notes}
<nav aria-label="Tests">${testList(report.tests, test?.id)}</nav>
${failingMsg}
<main>${timeline}</main>
${suggestions}
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body></html>`;
}

/** Placeholder page for states without a report (nothing run yet, untrusted, errors). */
export function renderMessageHtml(message: string, cspSource: string, styleUri: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)};">
<link rel="stylesheet" href="${escapeHtml(styleUri)}"><title>Tracefix trace</title></head>
<body><p class="muted">${escapeHtml(message)}</p></body></html>`;
}
