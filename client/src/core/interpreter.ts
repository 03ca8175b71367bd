// Chooses the Python that runs the user's code and the Python that runs the language server.
// Order: the `tracefix.interpreter` setting → the Python extension's active interpreter (read
// through its API only when it is installed; we never depend on it) → `python3` on PATH.
// The server needs Python 3.10+ and an importable tracefix, either installed in that
// interpreter or from the copy bundled with the extension (bundled/libs).
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
  tracefix: boolean; // tracefix and its LSP dependencies import with the given PYTHONPATH
}

/** Runs `command` with PYTHONPATH entries prepended; undefined when it is not a working Python. */
export type Prober = (command: string, pythonPath: string[]) => Promise<ProbeResult | undefined>;

export type Resolution =
  | {
      ok: true;
      user: ProbeResult & { source: InterpreterSource }; // runs the user's tests
      server: ProbeResult & { source: InterpreterSource }; // runs `python -m tracefix serve`
      pythonPath: string[]; // what the server needs on PYTHONPATH ([] when tracefix is installed)
      notes: string[];
    }
  | { ok: false; reason: string; notes: string[] };

export const MIN_SERVER_VERSION: [number, number] = [3, 10];

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

function atLeast(v: [number, number, number], min: [number, number]): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

const fmt = (v: [number, number, number]) => v.join('.');

/**
 * Picks the user's interpreter (first candidate that runs) and the server's interpreter (first
 * candidate, starting with the user's, that is 3.10+ and can import tracefix, possibly from one
 * of `fallbackPaths`, tried in order).
 */
export async function resolveInterpreters(
  candidates: Candidate[],
  fallbackPaths: string[],
  probe: Prober,
): Promise<Resolution> {
  const notes: string[] = [];
  const working: (ProbeResult & { source: InterpreterSource; command: string })[] = [];
  for (const c of candidates) {
    const r = await probe(c.command, []);
    if (!r) {
      notes.push(`${c.command} (${c.source}) is not a working Python`);
      // A broken explicit setting is the user's choice; don't silently run something else.
      if (c.source === 'setting') {
        return { ok: false, reason: `tracefix.interpreter "${c.command}" is not a working Python interpreter`, notes };
      }
      continue;
    }
    working.push({ ...r, source: c.source, command: c.command });
  }
  if (working.length === 0) {
    return {
      ok: false,
      reason: 'No Python interpreter found: install Python 3.10+ or set tracefix.interpreter',
      notes,
    };
  }
  const user = working[0];
  for (const w of working) {
    if (!atLeast(w.version, MIN_SERVER_VERSION)) {
      notes.push(`${w.executable} is Python ${fmt(w.version)}; the server needs ${MIN_SERVER_VERSION.join('.')}+`);
      continue;
    }
    if (w.tracefix) return { ok: true, user, server: w, pythonPath: [], notes };
    for (const p of fallbackPaths) {
      const r = await probe(w.executable, [p]);
      if (r?.tracefix) return { ok: true, user, server: { ...r, source: w.source }, pythonPath: [p], notes };
    }
    notes.push(`${w.executable} cannot import tracefix, not even from the bundled copy`);
  }
  return {
    ok: false,
    reason: `No Python ${MIN_SERVER_VERSION.join('.')}+ that can run the tracefix server (found ${working
      .map((w) => `${w.executable} ${fmt(w.version)}`)
      .join(', ')})`,
    notes,
  };
}

// Printed by the probed interpreter: one JSON line. Stays valid on old Pythons (no f-strings).
const PROBE_SCRIPT = [
  'import json, sys',
  'ok = True',
  'try:',
  '    import tracefix, tracefix.lsp, pygls, lsprotocol',
  'except Exception:',
  '    ok = False',
  'print(json.dumps({"executable": sys.executable, "version": list(sys.version_info[:3]), "tracefix": ok}))',
].join('\n');

/** Parses the probe's output; undefined for anything that is not what PROBE_SCRIPT prints. */
export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  const line = stdout.trim().split(/\r?\n/).pop() ?? '';
  try {
    const data = JSON.parse(line);
    const v = data.version;
    if (typeof data.executable !== 'string' || !Array.isArray(v) || v.length !== 3 || !v.every(Number.isInteger)) return undefined;
    return { executable: data.executable, version: [v[0], v[1], v[2]], tracefix: data.tracefix === true };
  } catch {
    return undefined;
  }
}

/** The real prober: runs the interpreter with a short timeout and without user site tweaks. */
export function makeProber(timeoutMs = 15000): Prober {
  return (command, pythonPath) =>
    new Promise((resolve) => {
      const env = { ...process.env };
      if (pythonPath.length) env.PYTHONPATH = [...pythonPath, ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])].join(path.delimiter);
      execFile(command, ['-c', PROBE_SCRIPT], { env, timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
        resolve(err ? undefined : parseProbeOutput(String(stdout)));
      });
    });
}
