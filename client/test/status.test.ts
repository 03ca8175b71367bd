import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusEvent, StatusState, initialStatus, reduce, render } from '../src/core/status';

const run = (...events: StatusEvent[]): StatusState => events.reduce(reduce, initialStatus);
const U = 'file:///ws/grading.py';

test('starting, then idle once the server is ready', () => {
  assert.match(render(initialStatus).text, /starting/);
  const s = run({ type: 'serverReady' });
  assert.equal(render(s).text, '$(debug-alt) Tracefix');
  assert.equal(render(s).command, 'showTrace');
});

test('running while any progress is open; back to the document state when all end', () => {
  let s = run({ type: 'serverReady' }, { type: 'activeChanged', uri: U }, { type: 'summary', uri: U, summary: { failing: 2, fixes: 0 } });
  s = reduce(s, { type: 'runStarted', title: 'grading.py' });
  s = reduce(s, { type: 'runStarted' });
  assert.match(render(s).text, /running/);
  assert.match(render(s).tooltip, /grading\.py/);
  s = reduce(s, { type: 'runEnded' });
  assert.match(render(s).text, /running/);
  s = reduce(s, { type: 'runEnded' });
  assert.equal(render(s).text, '$(error) Tracefix: 2 failing');
  assert.equal(render(s).tone, 'error');
  s = reduce(s, { type: 'runEnded' }); // an unmatched end never goes negative
  assert.equal(s.running, 0);
});

test('fix available wins over failing; passing shows a check', () => {
  const s = run({ type: 'serverReady' }, { type: 'activeChanged', uri: U }, { type: 'summary', uri: U, summary: { failing: 1, fixes: 2 } });
  assert.equal(render(s).text, '$(lightbulb) Tracefix: 2 fixes available');
  assert.match(render(s).tooltip, /1 failing test;/);
  const ok = reduce(s, { type: 'summary', uri: U, summary: { failing: 0, fixes: 0 } });
  assert.equal(render(ok).text, '$(pass) Tracefix');
});

test('the status follows the active document', () => {
  const other = 'file:///ws/stats.py';
  let s = run({ type: 'serverReady' }, { type: 'summary', uri: U, summary: { failing: 1, fixes: 0 } }, { type: 'activeChanged', uri: other });
  assert.equal(render(s).text, '$(debug-alt) Tracefix');
  s = reduce(s, { type: 'activeChanged', uri: U });
  assert.match(render(s).text, /1 failing/);
  s = reduce(s, { type: 'closed', uri: U });
  assert.equal(render(s).text, '$(debug-alt) Tracefix');
});

test('untrusted, no Python, crashed and stopped each say why and offer the way out', () => {
  const untrusted = render(run({ type: 'untrusted' }));
  assert.equal(untrusted.command, 'manageTrust');
  assert.match(untrusted.tooltip, /untrusted/);
  const noPy = render(run({ type: 'noPython', reason: 'No Python interpreter found' }));
  assert.match(noPy.text, /no Python/);
  assert.match(noPy.tooltip, /No Python interpreter found/);
  assert.equal(noPy.command, 'restartServer');
  assert.equal(render(run({ type: 'serverFailed', message: 'boom' })).command, 'showOutput');
  assert.equal(render(run({ type: 'serverReady' }, { type: 'serverStopped' })).command, 'restartServer');
  // Progress from before a crash must not leave the item spinning.
  const s = run({ type: 'serverReady' }, { type: 'runStarted' }, { type: 'serverFailed', message: 'x' }, { type: 'serverStarting' }, { type: 'serverReady' });
  assert.equal(s.running, 0);
});
