// The language status state machine: a pure reducer over server and document events, and a
// renderer that turns the state into a Python language status item (text, detail, severity,
// busy). The server's `tracefix/status` notification is the source for documents: whether a
// run is going, the counts of its last results and the one problem that stops debugging. It
// never claims "passing" for a file with no tests or one that does not parse.

export interface ProblemJson {
  kind: 'syntax' | 'noTests' | 'error' | 'collection' | string;
  message: string;
}

export interface DocSummary {
  running: boolean;
  failing?: number; // failing tests in the last results (absent: no results yet)
  total?: number;
  fixes?: number; // validated fixes shown for the document
  problem?: ProblemJson | null;
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
  | { type: 'doc'; uri: string; summary: DocSummary }
  | { type: 'activeChanged'; uri?: string }
  | { type: 'closed'; uri: string };

export const initialStatus: StatusState = { server: { kind: 'starting' }, docs: {} };

export function reduce(state: StatusState, ev: StatusEvent): StatusState {
  switch (ev.type) {
    case 'serverStarting':
      return { ...state, server: { kind: 'starting' } };
    case 'serverReady':
      return { ...state, server: { kind: 'ready' } };
    case 'serverStopped':
      return { ...state, server: { kind: 'stopped' }, docs: stopRuns(state.docs) };
    case 'serverFailed':
      return { ...state, server: { kind: 'error', message: ev.message }, docs: stopRuns(state.docs) };
    case 'noPython':
      return { ...state, server: { kind: 'noPython', reason: ev.reason }, docs: stopRuns(state.docs) };
    case 'untrusted':
      return { ...state, server: { kind: 'untrusted' }, docs: {} };
    case 'doc':
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

/** A server that went away runs nothing: no document may stay "busy" forever. */
function stopRuns(docs: Record<string, DocSummary>): Record<string, DocSummary> {
  const out: Record<string, DocSummary> = {};
  for (const [k, v] of Object.entries(docs)) out[k] = { ...v, running: false };
  return out;
}

export type Severity = 'information' | 'warning' | 'error';

export type StatusCommand = 'showTrace' | 'restartServer' | 'manageTrust' | 'showOutput' | 'debug';

export interface StatusView {
  text: string;
  detail: string;
  severity: Severity;
  busy: boolean;
  command: StatusCommand;
  commandTitle: string;
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function view(text: string, detail: string, severity: Severity, command: StatusCommand, commandTitle: string, busy = false): StatusView {
  return { text, detail, severity, busy, command, commandTitle };
}

export function render(state: StatusState): StatusView {
  const s = state.server;
  switch (s.kind) {
    case 'untrusted':
      return view('Tracefix: off', 'Tracefix runs your tests, so it does nothing in an untrusted workspace', 'information', 'manageTrust', 'Manage Trust');
    case 'noPython':
      return view('Tracefix: no Python', s.reason, 'error', 'restartServer', 'Retry');
    case 'error':
      return view('Tracefix: not running', s.message, 'error', 'showOutput', 'Show Log');
    case 'stopped':
      return view('Tracefix: stopped', 'The tracefix server is not running', 'warning', 'restartServer', 'Restart');
    case 'starting':
      return view('Tracefix', 'Starting…', 'information', 'showOutput', 'Show Log', true);
    case 'ready':
      break;
  }
  const doc = state.active ? state.docs[state.active] : undefined;
  if (!doc) return view('Tracefix', 'Runs the tests of this file when you save it', 'information', 'debug', 'Debug with Trace');
  const counts = doc.total !== undefined && doc.total > 0;
  const failing = doc.failing ?? 0;
  const fixes = doc.fixes ?? 0;
  // The last results, as a phrase; undefined while there are none (or none were tests).
  let results: string | undefined;
  if (counts && failing > 0) results = `${failing} failing` + (fixes > 0 ? ` · ${plural(fixes, 'fix', 'fixes')}` : '');
  else if (counts) results = `${plural(doc.total as number, 'test')} pass`;
  if (doc.running) return view(`Tracefix: running${results ? ` (${results})` : ''}`, 'Running the tests of this file…', 'information', 'showTrace', 'Show Trace', true);
  const p = doc.problem;
  if (p && p.kind === 'syntax') {
    // Routine while typing: information, and the last results still stand.
    return view('Tracefix: waiting for valid syntax', `${p.message}${results ? ` (last results: ${results})` : ''}`, 'information', 'showTrace', 'Show Trace');
  }
  if (p && p.kind === 'noTests') return view('Tracefix: no tests', p.message, 'information', 'debug', 'Debug with Trace');
  if (p && p.kind !== 'collection') return view('Tracefix: could not run', p.message, 'warning', 'showOutput', 'Show Log');
  const note = p ? ` ${p.message}` : '';
  if (counts && failing > 0) {
    const detail = fixes > 0 ? `${plural(fixes, 'validated fix', 'validated fixes')} in the lightbulb` : `${plural(failing, 'failing test')}`;
    return view(`Tracefix: ${results}`, detail + note, 'warning', 'showTrace', 'Show Trace');
  }
  if (counts) return view(`Tracefix: ${results}`, `All tests of this file pass.${note}`, p ? 'warning' : 'information', 'showTrace', 'Show Trace');
  return view('Tracefix', `No results yet.${note}`, p ? 'warning' : 'information', 'debug', 'Debug with Trace');
}
