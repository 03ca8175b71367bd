import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReportJson, agrees, asReport, extractSuggestions, pickTest, startStep, stepsForTest, variableRows } from '../src/core/report';
import { escapeHtml, renderTraceHtml } from '../src/core/traceHtml';

const doc = ['def letter(score):', '    if score > 90:', '        return "A"', '    elif score >= 80:', '        return "B"', '    return "F"'];

function report(): ReportJson {
  return {
    schema: 1,
    file: 'grading.py',
    python: '3.11.7',
    tests: [
      { id: 'test_ok', outcome: 'passed' },
      { id: 'test_top', outcome: 'failed', message: "assert 'B' == 'A'", line: 9 },
    ],
    blocks: [
      {
        id: 'letter:B4', function: 'letter', start_line: 5, end_line: 5, suspiciousness: 0.4, verdict: 'unknown', explanation: 'returned B',
        visits: [{ test: 'test_top', iteration: 0, before: { score: '90' }, after: { score: '90' }, returned: "'B'" }],
      },
      {
        id: 'letter:B1', function: 'letter', start_line: 2, end_line: 2, suspiciousness: 0.91, verdict: 'incorrect', explanation: 'score = 90 goes the wrong way',
        visits: [
          { test: 'test_top', iteration: 0, before: { score: '90' }, after: { score: '90', flag: 'True' } },
          { test: 'test_ok', iteration: 0, before: { score: '85' }, after: { score: '85' } },
        ],
      },
    ],
    suggestions: [
      {
        id: 's1', origin: 'template', title: 'Use >= instead of >', explanation: 'The rule is 90 or more.',
        diff: '--- a\n+++ b\n@@ -2 +2 @@\n-    if score > 90:\n+    if score >= 90:', shown: true, p_accept: 0.93,
        validation: { fixed: ['test_top'], broken: [], passed: 2, total: 2 },
        edits: [{ range: { start: { line: 1, character: 4 }, end: { line: 1, character: 18 } }, newText: 'if score >= 90:' }],
      },
    ],
  };
}

const render = (r: ReportJson, testId?: string, lines = doc) =>
  renderTraceHtml({ report: r, documentLines: lines, fileLabel: 'grading.py', testId, nonce: 'N0nce', cspSource: 'vscode-resource:', styleUri: 'css://t.css', scriptUri: 'js://t.js' });

test('the failing test is picked by default and its visits come in line order', () => {
  const r = report();
  assert.equal(pickTest(r)?.id, 'test_top');
  assert.equal(pickTest(r, 'test_ok')?.id, 'test_ok');
  assert.equal(pickTest(r, 'missing')?.id, 'test_top');
  assert.deepEqual(stepsForTest(r, 'test_top').map((s) => s.block.id), ['letter:B1', 'letter:B4']);
});

test('server-provided steps decide the order when every visit has one', () => {
  const r = report();
  r.blocks[0].visits![0].step = 0;
  r.blocks[1].visits![0].step = 1;
  assert.deepEqual(stepsForTest(r, 'test_top').map((s) => s.block.id), ['letter:B4', 'letter:B1']);
});

test('variable rows flag changed, new and gone values', () => {
  const rows = variableRows({ test: 't', iteration: 0, before: { a: '1', b: '2', c: '3' }, after: { a: '1', b: '5', d: '0' } });
  assert.deepEqual(
    rows.map((r) => [r.name, r.change]),
    [['a', 'same'], ['b', 'changed'], ['c', 'gone'], ['d', 'new']],
  );
});

test('the page shows each block with its code, values, verdict and the fix', () => {
  const html = render(report());
  assert.match(html, /1 failing/);
  assert.match(html, /class="step verdict-incorrect start"[^>]*data-line="2"/);
  assert.match(html, /if score &gt; 90:/); // the block's code, escaped
  assert.match(html, /<tr class="new"><th scope="row"><code>flag<\/code>/);
  assert.match(html, /returned <code>&#39;B&#39;<\/code>/);
  assert.match(html, /91%/);
  assert.match(html, /Use &gt;= instead of &gt;/);
  assert.match(html, /<span class="add">\+    if score &gt;= 90:<\/span>/);
  assert.match(html, /data-apply="s1"/);
  assert.match(html, /script-src &#39;nonce-N0nce&#39;/); // entity-escaped inside the attribute
  assert.match(html, /<script nonce="N0nce" src="js:\/\/t.js">/);
  // Steps are keyboard reachable.
  assert.equal((html.match(/<li class="step[^>]*tabindex="0"/g) ?? []).length, 2);
});

test('user values cannot inject markup or script', () => {
  const evil = '<img src=x onerror="alert(1)">';
  const r = report();
  r.tests[1].id = `test_${evil}`;
  r.tests[1].message = `assert ${evil}`;
  r.blocks[1].function = evil;
  r.blocks[1].explanation = evil;
  r.blocks[1].verdict = `incorrect" onclick="x`;
  for (const b of r.blocks) for (const v of b.visits ?? []) v.test = r.tests[1].id;
  r.blocks[1].visits![0].after = { [evil]: evil };
  r.suggestions[0].title = evil;
  r.suggestions[0].id = `"><script>alert(2)</script>`;
  r.suggestions[0].diff = `+${evil}`;
  const html = render(r, undefined, [evil, `    ${evil}`]);
  assert.ok(!html.includes('<img'), 'no raw tag from user values');
  assert.ok(!html.includes('<script>alert'), 'no injected script');
  assert.ok(!/onclick="x/.test(html), 'attributes cannot be broken out of');
  assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('escapeHtml covers the five HTML specials', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml(undefined), '');
});

test('a passing test and an empty report render a helpful line', () => {
  const r = report();
  r.tests = [{ id: 'test_ok', outcome: 'passed' }];
  r.blocks = [];
  assert.match(render(r), /test_ok<\/code> passes/);
  r.tests = [];
  assert.match(render(r), /No tests were found/);
});

test('reports and suggestion lists are recognised in the shapes the server may send', () => {
  assert.equal(asReport({ schema: 2, tests: [], blocks: [] }), undefined);
  assert.equal(asReport(null), undefined);
  assert.equal(asReport({ report: report() })?.file, 'grading.py');
  assert.deepEqual(asReport({ schema: 1, file: 'f', tests: [], blocks: [] })?.suggestions, []);
  assert.equal(extractSuggestions(report().suggestions)?.[0].id, 's1');
  assert.equal(extractSuggestions(report())?.[0].id, 's1');
  assert.equal(extractSuggestions({ suggestions: [{ id: 's2', title: 't' }, { bogus: 1 }] })?.length, 1);
  assert.equal(extractSuggestions('nothing'), undefined);
});

test('the view starts at the most suspicious block of the code under test, not at the test', () => {
  const r = report();
  r.blocks.push({
    id: 'test_top:B1', function: 'test_top', start_line: 8, end_line: 9, suspiciousness: 0.07, verdict: 'unknown', test_code: true,
    visits: [{ test: 'test_top', iteration: 0, before: {}, after: {}, step: 0 }],
  });
  r.blocks[1].visits![0].step = 1;
  r.blocks[0].visits![0].step = 2;
  const steps = stepsForTest(r, 'test_top');
  assert.equal(steps[0].block.id, 'test_top:B1'); // execution order starts in the test
  assert.equal(steps[startStep(steps)].block.id, 'letter:B1'); // the view starts at the suspect
  const html = render(r);
  assert.equal((html.match(/data-start="true"/g) ?? []).length, 1);
  assert.match(html, /class="step verdict-unknown test-code"/);
});

test('a rationale is shown only beside the visit whose values it describes', () => {
  const v = (score: string, returned?: string) => ({ test: 't', iteration: 0, before: { score }, after: { score }, returned });
  assert.equal(agrees('Ran in t with score = 90 on the way to the wrong result', v('90')), true);
  assert.equal(agrees('Ran in t with score = 90 on the way to the wrong result', v('95')), false);
  assert.equal(agrees("Returned 'B' in t, where the test expected 'A'", v('90', "'B'")), true);
  assert.equal(agrees("Returned 'B' in t, where the test expected 'A'", v('95', "'A'")), false);
  assert.equal(agrees('Set `total` to 0 in t', { test: 't', iteration: 0, before: {}, after: { total: '0' } }), true);
  assert.equal(agrees('Set `total` to 0 in t', { test: 't', iteration: 0, before: {}, after: { total: '6' } }), false);
  assert.equal(agrees('No traced value points here', v('95')), true);
  const r = report();
  r.blocks[1].explanation = 'Ran in test_top with score = 90 on the way to the wrong result';
  r.blocks[1].visits!.push({ test: 'test_top', iteration: 0, before: { score: '95' }, after: { score: '95' } });
  const html = render(r);
  assert.equal((html.match(/score = 90 on the way/g) ?? []).length, 1); // not beside the score=95 visit
});
