import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  ProbeResult,
  Prober,
  expandInterpreterPath,
  interpreterCandidates,
  makeProber,
  parseProbeOutput,
  resolveInterpreters,
  startupFailureMessage,
} from '../src/core/interpreter';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LAUNCHER = path.join(REPO, 'bundled', 'tool', 'tracefix_server.py');

test('candidates: setting, then the Python extension, then PATH; duplicates dropped', () => {
  const c = interpreterCandidates({ setting: '.venv/bin/python', pythonExtension: '/ws/.venv/bin/python', workspaceFolder: '/ws', platform: 'linux' });
  assert.deepEqual(c, [
    { command: '/ws/.venv/bin/python', source: 'setting' },
    { command: 'python3', source: 'path' },
    { command: 'python', source: 'path' },
  ]);
  const none = interpreterCandidates({ platform: 'linux' });
  assert.deepEqual(none.map((x) => x.source), ['path', 'path']);
});

test('interpreter paths expand ~ and ${workspaceFolder}; bare names stay for PATH lookup', () => {
  assert.equal(expandInterpreterPath('~/py/bin/python', '/ws', '/home/u'), '/home/u/py/bin/python');
  assert.equal(expandInterpreterPath('${workspaceFolder}/env/bin/python', '/ws'), '/ws/env/bin/python');
  assert.equal(expandInterpreterPath('python3.12', '/ws'), 'python3.12');
});

const fakeProber = (table: Record<string, ProbeResult | string>): Prober => async (cmd) => table[cmd] ?? 'was not found';
const py = (exe: string, v: [number, number, number], error = ''): ProbeResult => ({ executable: exe, version: v, ok: !error, error, llm: false });

test('the first candidate whose check passes runs the server', async () => {
  const r = await resolveInterpreters([{ command: 'python3', source: 'path' }], fakeProber({ python3: py('/usr/bin/python3', [3, 12, 1]) }));
  assert.ok(r.ok);
  assert.equal(r.server.executable, '/usr/bin/python3');
  assert.equal(r.user.executable, '/usr/bin/python3');
});

test("a Python whose check fails still runs the user's code; the server falls back to the next one", async () => {
  const r = await resolveInterpreters(
    [
      { command: '/old/python3.9', source: 'python-extension' },
      { command: 'python3', source: 'path' },
    ],
    fakeProber({ '/old/python3.9': py('/old/python3.9', [3, 9, 18], 'Python 3.9.18 (/old/python3.9) is too old'), python3: py('/usr/bin/python3', [3, 12, 1]) }),
  );
  assert.ok(r.ok);
  assert.equal(r.user.executable, '/old/python3.9');
  assert.equal(r.server.executable, '/usr/bin/python3');
  assert.ok(r.notes.some((n) => n.includes('too old')));
});

test("when no Python can run the server, the reason is the user's interpreter's, in one message", async () => {
  const r = await resolveInterpreters(
    [
      { command: '/p/python3.12', source: 'python-extension' },
      { command: 'python3', source: 'path' },
      { command: 'python', source: 'path' },
    ],
    fakeProber({
      '/p/python3.12': py('/p/python3.12', [3, 12, 1], "cannot load the tracefix server (ModuleNotFoundError: No module named 'tree_sitter._binding'): reinstall"),
      python3: py('/usr/bin/python3', [3, 9, 2], 'too old'),
      python: py('/usr/bin/python3', [3, 9, 2], 'too old'), // the same program twice: named once
    }),
  );
  assert.equal(r.ok, false);
  const reason = !r.ok ? r.reason : '';
  assert.match(reason, /^cannot load the tracefix server \(ModuleNotFoundError.*\): reinstall \(also tried: \/usr\/bin\/python3 3\.9\.2\)$/);
});

test('a broken explicit setting is an error, not a silent switch', async () => {
  const r = await resolveInterpreters(
    [
      { command: '/nope/python', source: 'setting' },
      { command: 'python3', source: 'path' },
    ],
    fakeProber({ python3: py('/usr/bin/python3', [3, 11, 2]) }),
  );
  assert.equal(r.ok, false);
  assert.equal(!r.ok ? r.reason : '', 'tracefix.interpreter "/nope/python" was not found');
});

test('no Python at all gives a clear reason', async () => {
  const r = await resolveInterpreters([{ command: 'python3', source: 'path' }], fakeProber({}));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /No Python interpreter found/);
});

test('probe output parsing rejects anything unexpected', () => {
  assert.deepEqual(parseProbeOutput('noise\n{"executable": "/p", "version": [3, 11, 2], "ok": true, "error": "", "llm": true}\n'), {
    ...py('/p', [3, 11, 2]),
    llm: true,
  });
  assert.equal(parseProbeOutput('{"executable": "/p", "version": [3, 9, 1], "ok": false, "error": "too old"}')?.error, 'too old');
  assert.equal(parseProbeOutput(''), undefined);
  assert.equal(parseProbeOutput('{"executable": "/p", "version": [3, "x", 2]}'), undefined);
  assert.equal(parseProbeOutput('Traceback (most recent call last):'), undefined);
});

test("a start-up failure is the launcher's own line, else the traceback's last line", () => {
  assert.equal(
    startupFailureMessage('noise\ntracefix: Python 3.9.1 (/p) is too old for the tracefix server: set tracefix.interpreter\n', '/p'),
    'Python 3.9.1 (/p) is too old for the tracefix server: set tracefix.interpreter',
  );
  const tb = 'Traceback (most recent call last):\n  File "x", line 1\nImportError: cannot import name X\n';
  assert.match(startupFailureMessage(tb, '/p'), /on \/p \(ImportError: cannot import name X\): see the Tracefix log/);
  assert.match(startupFailureMessage('', '/p'), /without saying why/);
});

function python3(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined; // no python3 here: the fake-prober tests above still cover the logic
  }
}

test('the real prober runs the real launcher and reports its reason', async () => {
  const python = python3();
  if (!python) return;
  // The launcher in a folder whose libraries claim another platform: a real Python, a clear "no".
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfprobe-'));
  fs.mkdirSync(path.join(dir, 'bundled', 'tool'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'bundled', 'libs'));
  fs.copyFileSync(LAUNCHER, path.join(dir, 'bundled', 'tool', 'tracefix_server.py'));
  const other = process.platform === 'darwin' ? 'linux-x64' : 'darwin-arm64';
  fs.writeFileSync(path.join(dir, 'bundled', 'libs', 'bundle.json'), JSON.stringify({ target: other, pythons: ['3.12'] }));
  const probe = makeProber(path.join(dir, 'bundled', 'tool', 'tracefix_server.py'));
  const r = await probe('python3');
  assert.ok(typeof r !== 'string');
  assert.equal(r.executable, python);
  assert.equal(r.ok, false);
  assert.match(r.error, r.version[1] >= 10 ? new RegExp(`built for ${other}`) : /too old/);
  assert.equal(await probe(path.join(dir, 'no-such-python')), 'was not found');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('from a source checkout the launcher loads the whole server (with the dev environment)', async () => {
  const venvPython = path.join(REPO, '.venv', 'bin', 'python');
  if (!fs.existsSync(venvPython) || fs.existsSync(path.join(REPO, 'bundled', 'libs'))) return;
  const r = await makeProber(LAUNCHER)(venvPython);
  assert.ok(typeof r !== 'string');
  assert.equal(r.ok, true, r.error);
});

test('candidates after the first one that can run the server are never probed', async () => {
  const probed: string[] = [];
  const table: Record<string, ProbeResult> = { '/p/python3.13': py('/p/python3.13', [3, 13, 0]), python3: py('/usr/bin/python3', [3, 11, 7]) };
  const r = await resolveInterpreters(
    [
      { command: '/p/python3.13', source: 'setting' },
      { command: 'python3', source: 'path' },
    ],
    async (cmd) => (probed.push(cmd), table[cmd]),
  );
  assert.ok(r.ok);
  assert.deepEqual(probed, ['/p/python3.13']);
});
