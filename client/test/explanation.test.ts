import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReportJson, agrees, variableRows } from '../src/core/report';
import { renderTraceHtml } from '../src/core/traceHtml';

// Issue 16: the trace view shows the server's short explanation, folds its evidence away, and
// flags the variables the server says a visit changed.
function report(): ReportJson {
  const visit = { test: 'test_top', iteration: 0, before: { score: '90' }, after: { score: '90' }, changes: {} };
  return {
    schema: 1, file: 'grading.py', python: '3.11.7',
    tests: [{ id: 'test_top', outcome: 'failed', message: "assert 'B' == 'A'", line: 9 }],
    blocks: [{
      id: 'letter:B1', function: 'letter', start_line: 2, end_line: 2, suspiciousness: 0.9, verdict: 'incorrect',
      explanation: "For `score = 90`, `score > 90` is false, so `letter` returns `'B'`; the test expects `'A'`.",
      details: 'Ran in test_top with score = 90; run by 1 of 1 failing and 2 of 2 passing tests.', visits: [visit],
    }],
    suggestions: [{
      id: 's1', origin: 'template', title: 'Use >= instead of >', shown: true, p_accept: 0.9,
      explanation: 'Changing `score > 90` to `score >= 90` makes it true, and all 3 tests pass.',
      details: 'Block letter:B1 (line 2) is suspect #1 (suspiciousness 0.90).',
      validation: { fixed: ['test_top'], broken: [], passed: 3, total: 3 },
    }],
  } as ReportJson;
}

const render = (r: ReportJson) =>
  renderTraceHtml({ report: r, documentLines: ['def letter(score):', '    if score > 90:'], fileLabel: 'grading.py',
    nonce: 'N', cspSource: 'vscode-resource:', styleUri: 'css://t.css', scriptUri: 'js://t.js' });

test('a `name = value` quote agrees only with a visit holding that value', () => {
  const v = (score: string) => ({ test: 't', iteration: 0, before: { score }, after: { score } });
  const sentence = 'For `score = 90`, `score > 90` is false';
  assert.equal(agrees(sentence, v('90')), true);
  assert.equal(agrees(sentence, v('95')), false);
  assert.equal(agrees('For `values = [1, 2, 3, 4, 5, 6…`, the loop', { test: 't', iteration: 0,
    before: { values: '[1, 2, 3, 4, 5, 6, 7]' }, after: {} }), true);
});

test('the short explanation is shown, the evidence folded under it', () => {
  const html = render(report());
  assert.match(html, /<p class="explanation">For `score = 90`/);
  assert.match(html, /<details class="evidence"><summary>Evidence<\/summary><p>Ran in test_top/);
  assert.match(html, /<details class="evidence"><summary>Evidence<\/summary><p>Block letter:B1/);
  assert.ok(!/<p>[^<]*suspiciousness/.test(html.replace(/<details[\s\S]*?<\/details>/g, '')));
});

test('the server decides which variables a visit changed', () => {
  const rows = variableRows({ test: 't', iteration: 0, before: { a: '1', b: '[1]' }, after: { a: '1', b: '[1]' },
    changes: { b: '[1]' } });
  assert.deepEqual(rows.map((r) => r.change), ['same', 'changed']); // the field, not a second comparison here, decides
  const old = variableRows({ test: 't', iteration: 0, before: { a: '1' }, after: { a: '2' } });
  assert.deepEqual(old.map((r) => r.change), ['changed']);
});
