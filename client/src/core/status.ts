// The status-bar state machine: a pure reducer over server and document events, and a
// renderer that turns the state into the item's text, tooltip and colour. The active
// document's last result decides between "passing", "N failing" and "fix available".

export interface DocSummary {
  failing: number; // failing tests reported for the document
  fixes: number; // quick fixes offered for the document
}

export type ServerPhase =
  | { kind: 'starting' }
  | { kind: 'ready' }
  | { kind: 'untrusted' }
  | { kind: 'noPython'; reason: string }
  | { kind: 'error'; message: string }
  | { kind: 'stopped' };

export interface StatusState {
  server: ServerPhase;
  running: number; // runs in flight (progress begun, not ended)
  runningTitle: string;
  active?: string; // uri of the active Python document
  docs: Record<string, DocSummary>;
}

export type StatusEvent =
  | { type: 'serverStarting' }
  | { type: 'serverReady' }
  | { type: 'serverStopped' }
  | { type: 'serverFailed'; message: string }
  | { type: 'noPython'; reason: string }
  | { type: 'untrusted' }
  | { type: 'runStarted'; title?: string }
  | { type: 'runEnded' }
  | { type: 'summary'; uri: string; summary: DocSummary }
  | { type: 'activeChanged'; uri?: string }
  | { type: 'closed'; uri: string };

export const initialStatus: StatusState = { server: { kind: 'starting' }, running: 0, runningTitle: '', docs: {} };

export function reduce(state: StatusState, ev: StatusEvent): StatusState {
  switch (ev.type) {
    case 'serverStarting':
      return { ...state, server: { kind: 'starting' }, running: 0 };
    case 'serverReady':
      return { ...state, server: { kind: 'ready' } };
    case 'serverStopped':
      return { ...state, server: { kind: 'stopped' }, running: 0 };
    case 'serverFailed':
      return { ...state, server: { kind: 'error', message: ev.message }, running: 0 };
    case 'noPython':
      return { ...state, server: { kind: 'noPython', reason: ev.reason }, running: 0 };
    case 'untrusted':
      return { ...state, server: { kind: 'untrusted' }, running: 0, docs: {} };
    case 'runStarted':
      return { ...state, running: state.running + 1, runningTitle: ev.title ?? state.runningTitle };
    case 'runEnded':
      return { ...state, running: Math.max(0, state.running - 1), runningTitle: state.running > 1 ? state.runningTitle : '' };
    case 'summary':
      return { ...state, docs: { ...state.docs, [ev.uri]: ev.summary } };
    case 'activeChanged':
      return { ...state, active: ev.uri };
    case 'closed': {
      const docs = { ...state.docs };
      delete docs[ev.uri];
      return { ...state, docs };
    }
  }
}

export type Tone = 'normal' | 'warning' | 'error';

export interface StatusView {
  text: string;
  tooltip: string;
  tone: Tone;
  command: 'showTrace' | 'restartServer' | 'manageTrust' | 'showOutput' | 'debug';
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function render(state: StatusState): StatusView {
  const s = state.server;
  switch (s.kind) {
    case 'untrusted':
      return {
        text: '$(shield) Tracefix: off',
        tooltip: 'Tracefix runs your tests, so it does nothing in an untrusted workspace. Click to manage Workspace Trust.',
        tone: 'warning',
        command: 'manageTrust',
      };
    case 'noPython':
      return { text: '$(error) Tracefix: no Python', tooltip: `${s.reason}. Click to restart after fixing it.`, tone: 'error', command: 'restartServer' };
    case 'error':
      return { text: '$(error) Tracefix: server error', tooltip: `${s.message}. Click to see the log.`, tone: 'error', command: 'showOutput' };
    case 'stopped':
      return { text: '$(debug-stop) Tracefix: stopped', tooltip: 'The tracefix server is not running. Click to restart it.', tone: 'warning', command: 'restartServer' };
    case 'starting':
      return { text: '$(loading~spin) Tracefix: starting', tooltip: 'Starting the tracefix server…', tone: 'normal', command: 'showTrace' };
    case 'ready':
      break;
  }
  if (state.running > 0) {
    return {
      text: '$(sync~spin) Tracefix: running',
      tooltip: state.runningTitle ? `Tracing: ${state.runningTitle}` : 'Tracing the tests of this file…',
      tone: 'normal',
      command: 'showTrace',
    };
  }
  const doc = state.active ? state.docs[state.active] : undefined;
  if (!doc) return { text: '$(debug-alt) Tracefix', tooltip: 'Idle. Click to show the trace; run Tracefix: Debug with Trace to trace this file.', tone: 'normal', command: 'showTrace' };
  if (doc.fixes > 0) {
    return {
      text: `$(lightbulb) Tracefix: ${plural(doc.fixes, 'fix', 'fixes')} available`,
      tooltip: `${plural(doc.failing, 'failing test')}; ${plural(doc.fixes, 'validated fix', 'validated fixes')} in the lightbulb. Click to show the trace.`,
      tone: 'warning',
      command: 'showTrace',
    };
  }
  if (doc.failing > 0) {
    return { text: `$(error) Tracefix: ${doc.failing} failing`, tooltip: `${plural(doc.failing, 'failing test')}. Click to show the trace.`, tone: 'error', command: 'showTrace' };
  }
  return { text: '$(pass) Tracefix', tooltip: 'No failing tests in the last run. Click to show the trace.', tone: 'normal', command: 'showTrace' };
}
