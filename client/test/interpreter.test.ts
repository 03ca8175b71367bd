import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ProbeResult, Prober, expandInterpreterPath, interpreterCandidates, makeProber, parseProbeOutput, resolveInterpreters } from '../src/core/interpreter';

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

function fakeProber(table: Record<string, ProbeResult | undefined>, bundled: Record<string, ProbeResult> = {}): Prober {
  return async (cmd, pythonPath) => (pythonPath.length ? bundled[`${cmd}|${pythonPath[0]}`] : table[cmd]);
}
const py = (exe: string, v: [number, number, number], tracefix = false): ProbeResult => ({ executable: exe, version: v, tracefix });

test('tracefix installed in the chosen interpreter: no PYTHONPATH needed', async () => {
  const r = await resolveInterpreters([{ command: 'python3', source: 'path' }], ['/b'], fakeProber({ python3: py('/usr/bin/python3', [3, 11, 2], true) }));
  assert.ok(r.ok);
  assert.equal(r.server.executable, '/usr/bin/python3');
  assert.deepEqual(r.pythonPath, []);
});

test('tracefix missing: falls back to the bundled copy', async () => {
  const r = await resolveInterpreters(
    [{ command: 'python3', source: 'path' }],
    ['/ext/bundled/libs'],
    fakeProber({ python3: py('/usr/bin/python3', [3, 11, 2]) }, { '/usr/bin/python3|/ext/bundled/libs': py('/usr/bin/python3', [3, 11, 2], true) }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.pythonPath, ['/ext/bundled/libs']);
});

test("an old user interpreter still runs the user's code; the server uses the next Python 3.10+", async () => {
  const r = await resolveInterpreters(
    [
      { command: '/old/python3.8', source: 'python-extension' },
      { command: 'python3', source: 'path' },
    ],
    ['/b'],
    fakeProber({ '/old/python3.8': py('/old/python3.8', [3, 8, 10], false), python3: py('/usr/bin/python3', [3, 12, 1], true) }),
  );
  assert.ok(r.ok);
  assert.equal(r.user.executable, '/old/python3.8');
  assert.equal(r.server.executable, '/usr/bin/python3');
  assert.ok(r.notes.some((n) => n.includes('3.8.10')));
});

test('a broken explicit setting is an error, not a silent switch', async () => {
  const r = await resolveInterpreters(
    [
      { command: '/nope/python', source: 'setting' },
      { command: 'python3', source: 'path' },
    ],
    [],
    fakeProber({ python3: py('/usr/bin/python3', [3, 11, 2], true) }),
  );
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /tracefix\.interpreter "\/nope\/python" is not a working Python/);
});

test('no Python at all gives a clear reason', async () => {
  const r = await resolveInterpreters([{ command: 'python3', source: 'path' }], [], fakeProber({}));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /No Python interpreter found/);
});

test('probe output parsing rejects anything unexpected', () => {
  assert.deepEqual(parseProbeOutput('noise\n{"executable": "/p", "version": [3, 11, 2], "tracefix": true}\n'), py('/p', [3, 11, 2], true));
  assert.equal(parseProbeOutput(''), undefined);
  assert.equal(parseProbeOutput('{"executable": "/p", "version": [3, "x", 2]}'), undefined);
  assert.equal(parseProbeOutput('Traceback (most recent call last):'), undefined);
});

test('the real prober runs a real Python and sees a package put on PYTHONPATH', async () => {
  let python: string;
  try {
    python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return; // no python3 on this machine: the fake-prober tests above still cover the logic
  }
  const probe = makeProber();
  const plain = await probe('python3', []);
  assert.ok(plain);
  assert.equal(plain.executable, python);
  assert.ok(plain.version[0] === 3);
  // A stand-in package tree on PYTHONPATH with the modules the probe imports.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfprobe-'));
  for (const mod of ['tracefix', 'tracefix/lsp', 'pygls', 'lsprotocol']) {
    fs.mkdirSync(path.join(dir, mod), { recursive: true });
    fs.writeFileSync(path.join(dir, mod, '__init__.py'), '');
  }
  const withPath = await probe('python3', [dir]);
  assert.equal(withPath?.tracefix, true);
  assert.equal(await probe(path.join(dir, 'no-such-python'), []), undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});
