// Chooses the Python that runs the user's code and the Python that runs the language server.
// Order: the `tracefix.interpreter` setting → the Python extension's active interpreter (read
// through its API only when it is installed; we never depend on it) → `python3` on PATH.
// A candidate runs the server only if the bundled launcher (bundled/tool/tracefix_server.py
// --check) can import every server module on it, exactly as `serve` will; otherwise the next
// candidate is tried, and when none can, the launcher's own one-line reason is what the user sees.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface Candidate {
  command: string;
  source: InterpreterSource;
}

export interface ProbeResult {
  executable: string; // sys.executable, absolute
  version: [number, number, number];
  ok: boolean; // the launcher imported the whole server (and parsed with tree-sitter) on it
  error: string; // when not ok: the cause and the action, one line
  llm: boolean; // the optional LLM client (openai) is importable there
}

/** Runs the launcher's --check on `command`: its result, or why `command` is not a usable Python at all. */
export type Prober = (command: string) => Promise<ProbeResult | string>;

export type Resolution =
  | {
      ok: true;
      user: ProbeResult & { source: InterpreterSource }; // runs the user's tests
      server: ProbeResult & { source: InterpreterSource }; // runs the launcher's `serve`
      notes: string[];
    }
  | { ok: false; reason: string; notes: string[] };

/** Expands `~` and `${workspaceFolder}`; relative paths with a separator are taken from the workspace. */
export function expandInterpreterPath(value: string, workspaceFolder: string | undefined, home = os.homedir()): string {
  let v = value.trim();
  if (v === '') return v;
  if (workspaceFolder) v = v.split('${workspaceFolder}').join(workspaceFolder);
  if (v === '~' || v.startsWith('~/')) v = path.join(home, v.slice(1));
  if (!path.isAbsolute(v) && v.includes('/') && workspaceFolder) v = path.join(workspaceFolder, v);
  return v;
}

export function interpreterCandidates(opts: {
  setting?: string;
  pythonExtension?: string;
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
}): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (command: string | undefined, source: InterpreterSource) => {
    if (!command) return;
    if (seen.has(command)) return;
    seen.add(command);
    out.push({ command, source });
  };
  add(opts.setting ? expandInterpreterPath(opts.setting, opts.workspaceFolder) : undefined, 'setting');
  add(opts.pythonExtension, 'python-extension');
  const win = (opts.platform ?? process.platform) === 'win32';
  for (const name of win ? ['python', 'py'] : ['python3', 'python']) add(name, 'path');
  return out;
}

/**
 * Picks the user's interpreter (the first candidate that is a Python of any version: the user's
 * code may run where the server cannot) and the server's (the first candidate, starting with the
 * user's, whose --check passed). Candidates are probed in order and only until one passes: each
 * probe loads the whole server, seconds on a slow machine.
 */
export async function resolveInterpreters(candidates: Candidate[], probe: Prober): Promise<Resolution> {
  const notes: string[] = [];
  const working: (ProbeResult & { source: InterpreterSource })[] = [];
  const seenExecutables = new Set<string>();
  for (const c of candidates) {
    const r = await probe(c.command);
    if (typeof r === 'string') {
      notes.push(`${c.command} (${c.source}): ${r}`);
      // A broken explicit setting is the user's choice; don't silently run something else.
      if (c.source === 'setting') return { ok: false, reason: `tracefix.interpreter "${c.command}" ${r}`, notes };
      continue;
    }
    if (seenExecutables.has(r.executable)) continue; // python3 and python are often one program
    seenExecutables.add(r.executable);
    const found = { ...r, source: c.source };
    working.push(found);
    if (found.ok) return { ok: true, user: working[0], server: found, notes };
    notes.push(found.error);
  }
  if (working.length === 0) {
    return { ok: false, reason: 'No Python interpreter found: install Python 3.10 or newer, or set tracefix.interpreter', notes };
  }
  // One message: the reason of the interpreter the user meant, the others only named.
  const [user, ...others] = working;
  const also = others.map((w) => `${w.executable} ${w.version.join('.')}`);
  return { ok: false, reason: user.error + (also.length ? ` (also tried: ${also.join(', ')})` : ''), notes };
}

/** Parses the launcher's --check line; undefined for anything else. */
export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  const line = stdout.trim().split(/\r?\n/).pop() ?? '';
  try {
    const data = JSON.parse(line);
    const v = data.version;
    if (typeof data.executable !== 'string' || !Array.isArray(v) || v.length !== 3 || !v.every(Number.isInteger)) return undefined;
    const ok = data.ok === true;
    const error = typeof data.error === 'string' && data.error ? data.error : ok ? '' : 'the tracefix server cannot run on this Python';
    return { executable: data.executable, version: [v[0], v[1], v[2]], ok, error, llm: data.llm === true };
  } catch {
    return undefined;
  }
}

/**
 * The real prober. The timeout is generous: the first check on a machine compiles the server's
 * modules, which takes seconds on a slow disk; a timeout is reported as such, not as "no Python".
 */
export function makeProber(launcher: string, timeoutMs = 60000): Prober {
  return (command) =>
    new Promise((resolve) => {
      execFile(command, [launcher, '--check'], { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
        const parsed = parseProbeOutput(String(stdout));
        if (parsed) return resolve(parsed);
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') return resolve('was not found');
        if (code === 'EACCES') return resolve('is not executable');
        if (err?.killed) return resolve(`did not answer within ${timeoutMs / 1000} s when loading the tracefix server`);
        resolve(`is not a working Python (${lastLine(String(stderr)) || err?.message || 'no output'})`);
      });
    });
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 300) : '';
}

/**
 * What to tell the user when the server process ended while starting: the launcher's own
 * "tracefix: <cause>: <action>" line when it wrote one, else the last line of a traceback.
 */
export function startupFailureMessage(stderr: string, executable: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const own = [...lines].reverse().find((l) => l.startsWith('tracefix: '));
  if (own) return own.slice('tracefix: '.length);
  const cause = lastLine(stderr);
  return cause
    ? `the tracefix server stopped while starting on ${executable} (${cause}): see the Tracefix log, then run "Tracefix: Restart Server" or set tracefix.interpreter to another Python`
    : `the tracefix server stopped while starting on ${executable} without saying why: see the Tracefix log, then run "Tracefix: Restart Server"`;
}
