import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, readSettings, serverEnvironment, toServerSettings } from '../src/core/settings';

const getter = (values: Record<string, unknown>) => (key: string) => values[key];

test('empty configuration gives the documented defaults and no problems', () => {
  const { settings, problems } = readSettings(getter({}));
  assert.deepEqual(settings, DEFAULTS);
  assert.deepEqual(problems, []);
});

test('valid values pass through, trimmed', () => {
  const { settings, problems } = readSettings(
    getter({ interpreter: ' /opt/py/bin/python ', runOn: 'type', timeoutSeconds: 5, precision: 0.5, 'llm.baseUrl': 'http://127.0.0.1:8000/v1', 'llm.model': 'qwen', 'llm.apiKeyEnvVar': 'MY_KEY' }),
  );
  assert.deepEqual(problems, []);
  assert.equal(settings.interpreter, '/opt/py/bin/python');
  assert.equal(settings.runOn, 'type');
  assert.equal(settings.timeoutSeconds, 5);
  assert.equal(settings.precision, 0.5);
  assert.deepEqual(settings.llm, { baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen', apiKeyEnvVar: 'MY_KEY' });
});

test('bad values fall back to defaults with one problem each', () => {
  const { settings, problems } = readSettings(
    getter({ runOn: 'always', timeoutSeconds: 0, precision: 1.5, interpreter: 42, 'llm.apiKeyEnvVar': 'not a name' }),
  );
  assert.equal(settings.runOn, 'save');
  assert.equal(settings.timeoutSeconds, 30);
  assert.equal(settings.precision, 0.95);
  assert.equal(settings.interpreter, '');
  assert.equal(settings.llm.apiKeyEnvVar, 'OPENAI_API_KEY');
  assert.equal(problems.length, 5);
  assert.ok(problems.some((p) => p.includes('tracefix.runOn')));
  assert.ok(problems.some((p) => p.includes('tracefix.precision')));
});

test('server settings carry the resolved interpreter and the server key names', () => {
  const { settings } = readSettings(getter({ runOn: 'manual', 'llm.model': 'm' }));
  const out = toServerSettings(settings, '/usr/bin/python3.11');
  assert.deepEqual(out, {
    interpreter: '/usr/bin/python3.11',
    runOn: 'manual',
    timeoutSeconds: 30,
    precision: 0.95,
    maxTests: 300,
    testPaths: [],
    llm: { baseUrl: '', model: 'm', apiKeyEnvVar: 'OPENAI_API_KEY' },
    showNotifications: false,
    codeLens: true,
    inlayHints: true,
  });
});

test('test paths and the test cap reach the server; a bad list falls back to pytest\'s configuration', () => {
  const { settings, problems } = readSettings(getter({ testPaths: ['tests/**/test_*.py', ' '], maxTests: 50 }));
  assert.deepEqual(settings.testPaths, ['tests/**/test_*.py']);
  assert.equal(toServerSettings(settings, '').maxTests, 50);
  assert.deepEqual(problems, []);
  const bad = readSettings(getter({ testPaths: 'tests' }));
  assert.deepEqual(bad.settings.testPaths, []);
  assert.ok(bad.problems.some((p) => p.includes('tracefix.testPaths')));
});

test('server environment: API key under the configured name, PYTHONPATH prepended, unbuffered', () => {
  const { settings } = readSettings(getter({ 'llm.apiKeyEnvVar': 'LLM_KEY' }));
  const env = serverEnvironment({ PATH: '/bin', PYTHONPATH: '/existing', UNSET: undefined }, settings, 'sk-secret', ['/ext/bundled/libs']);
  assert.equal(env.LLM_KEY, 'sk-secret');
  assert.equal(env.PYTHONPATH, '/ext/bundled/libs:/existing');
  assert.equal(env.PYTHONUNBUFFERED, '1');
  assert.equal(env.PATH, '/bin');
  assert.ok(!('UNSET' in env));
  const noKey = serverEnvironment({}, settings, undefined, []);
  assert.ok(!('LLM_KEY' in noKey));
  assert.ok(!('PYTHONPATH' in noKey));
});

test('notifications are off by default; the editor toggles are booleans', () => {
  assert.equal(DEFAULTS.showNotifications, false);
  const { settings, problems } = readSettings(getter({ showNotifications: true, codeLens: false, inlayHints: 'no' }));
  assert.equal(settings.showNotifications, true);
  assert.equal(settings.codeLens, false);
  assert.equal(settings.inlayHints, true);
  assert.deepEqual(problems, ['tracefix.inlayHints must be true or false; using true']);
  const sent = toServerSettings(settings, '/py');
  assert.equal(sent.codeLens, false);
  assert.equal(sent.showNotifications, true);
});
