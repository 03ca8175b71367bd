import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusEvent, StatusState, initialStatus, reduce, render } from '../src/core/status';

const run = (...events: StatusEvent[]): StatusState => events.reduce(reduce, initialStatus);
const U = 'file:///ws/grading.py';
const ready = (...events: StatusEvent[]) => run({ type: 'serverReady' }, { type: 'activeChanged', uri: U }, ...events);

test('busy while starting, then idle and information once the server is ready', () => {
  assert.equal(render(initialStatus).busy, true);
  const s = run({ type: 'serverReady' });
  assert.equal(render(s).text, 'Tracefix');
  assert.equal(render(s).severity, 'information');
  assert.equal(render(s).busy, false);
});

test('a run in flight is busy and keeps the last results in view', () => {
  const s = ready({ type: 'doc', uri: U, summary: { running: true, failing: 1, total: 3, fixes: 1 } });
  assert.equal(render(s).busy, true);
  assert.equal(render(s).text, 'Tracefix: running (1 failing · 1 fix)');
  const done = reduce(s, { type: 'doc', uri: U, summary: { running: false, failing: 1, total: 3, fixes: 1 } });
  assert.equal(render(done).busy, false);
  assert.equal(render(done).text, 'Tracefix: 1 failing · 1 fix');
  assert.equal(render(done).severity, 'warning'); // failing tests: a warning, never a red background
  assert.equal(render(done).command, 'showTrace');
});

test('passing only when there were tests; no tests and syntax errors never look green', () => {
  assert.equal(render(ready({ type: 'doc', uri: U, summary: { running: false, failing: 0, total: 3 } })).text, 'Tracefix: 3 tests pass');
  const none = render(ready({ type: 'doc', uri: U, summary: { running: false, problem: { kind: 'noTests', message: 'no tests found for x.py' } } }));
  assert.equal(none.text, 'Tracefix: no tests');
  assert.equal(none.severity, 'information');
  const syntax = render(
    ready({ type: 'doc', uri: U, summary: { running: false, failing: 1, total: 3, problem: { kind: 'syntax', message: 'syntax error at line 8: invalid syntax' } } }),
  );
  assert.equal(syntax.text, 'Tracefix: waiting for valid syntax');
  assert.match(syntax.detail, /line 8.*last results: 1 failing/);
  assert.equal(syntax.severity, 'information'); // routine while typing
});

test('tracefix itself broken is an error; untrusted is information; closing forgets the document', () => {
  assert.equal(render(run({ type: 'noPython', reason: 'No Python 3.10+' })).severity, 'error');
  assert.equal(render(run({ type: 'serverFailed', message: 'boom' })).command, 'showOutput');
  const off = render(run({ type: 'untrusted' }));
  assert.equal(off.text, 'Tracefix: off');
  assert.equal(off.severity, 'information');
  assert.equal(off.command, 'manageTrust');
  const s = ready({ type: 'doc', uri: U, summary: { running: true } }, { type: 'closed', uri: U });
  assert.equal(render(s).busy, false);
});

test('a server that stops leaves no document busy', () => {
  const s = ready({ type: 'doc', uri: U, summary: { running: true, failing: 0, total: 2 } }, { type: 'serverStopped' }, { type: 'serverReady' });
  assert.equal(render(s).busy, false);
});
