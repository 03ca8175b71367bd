// Drives a real VS Code (npm's code-server) in Debian's headless Chromium with the built .vsix,
// as a user would, and checks the quiet, precise surface of issue 13:
//   - nothing runs until the folder is trusted;
//   - a user-started "Debug with Trace" has one progress indicator and Cancel stops the run;
//   - the diagnostic, the trace view (starting at the suspect block, not the test) and the
//     Testing view (the failing test, failed);
//   - the lightbulb on a line away from the bug offers no fix; on the bug, a fix whose title
//     is at most 60 characters, which applies, saves and clears the diagnostic;
//   - a settings change reaches the running server without a restart;
//   - with tracefix.interpreter set to CPython 3.12 and then 3.13 (~/.pyenv), the server
//     restarts on that Python and debugs the file.
// Screenshots go to the artifacts folder; a JSON line with phase timings and checks is printed
// last. Exit code 0 = pass.
//
// usage: node vscode_e2e.mjs --code-server DIR --vsix FILE --examples DIR --artifacts DIR
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const codeServerDir = path.resolve(arg('code-server', '.tools/code-server'));
const vsix = path.resolve(arg('vsix', 'dist/tracefix.vsix'));
const examples = path.resolve(arg('examples', 'examples'));
const artifacts = path.resolve(arg('artifacts', 'tests/artifacts'));
const browserPath = arg('chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const entry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
// Other CPythons to debug with, when this machine has them (pyenv's layout).
const pyenv = path.join(os.homedir(), '.pyenv', 'versions');
const otherPythons = ['3.12', '3.13']
  .map((v) => {
    const dir = fs.existsSync(pyenv) ? fs.readdirSync(pyenv).filter((d) => d.startsWith(`${v}.`)).sort().pop() : undefined;
    return dir && { version: v, exe: path.join(pyenv, dir, 'bin', `python${v}`) };
  })
  .filter((p) => p && fs.existsSync(p.exe));

const t0 = Date.now();
const timings = {};
const checks = {};
let phaseStart = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
function phase(name) {
  timings[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
  phaseStart = Date.now();
  log(`${name} done in ${timings[name]}s`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(what, fn, timeoutMs, intervalMs = 500) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
}

for (const [what, p] of [['code-server', entry], ['vsix', vsix], ['examples', examples], ['chromium', browserPath]]) {
  if (!fs.existsSync(p)) {
    console.error(`vscode_e2e: ${what} not found at ${p}`);
    process.exit(2);
  }
}
fs.mkdirSync(artifacts, { recursive: true });

// A scratch home for the editor: its settings, extensions, logs and the workspace copy.
// Not under /tmp: the extension (and the pytest it ships for interpreters without one) must be
// where a real install is, visible to the run's jail, which gives each run a private /tmp.
const scratchBase = path.resolve(arg('scratch', path.join(codeServerDir, '..', 'e2e-scratch')));
fs.mkdirSync(scratchBase, { recursive: true });
const scratch = fs.mkdtempSync(path.join(scratchBase, 'tracefix-e2e-'));
const workspace = path.join(scratch, 'workspace');
fs.cpSync(examples, workspace, { recursive: true, filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache') });
const userData = path.join(scratch, 'user-data');
const extensionsDir = path.join(scratch, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
const baseSettings = {
  'workbench.startupEditor': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.minimap.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.startupPrompt': 'always',
  'files.autoSave': 'off',
  'tracefix.runOn': 'save',
  // The surface is under test, not the decide step's judgement of the example's fix.
  'tracefix.precision': 0.5,
};
const settingsFile = path.join(userData, 'User', 'settings.json');
/** The user's settings.json before the editor starts (later changes go through the Settings editor). */
const writeSettings = (extra = {}) => fs.writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...extra }, null, 2));
writeSettings();
const env = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
  XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
  XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
};
const common = ['--user-data-dir', userData, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check'];

let server;
let browser;
let exitCode = 1;
try {
  log(`installing ${path.basename(vsix)} into code-server`);
  const inst = spawnSync(process.execPath, [entry, ...common, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 180000 });
  if (inst.status !== 0 || !/successfully installed|was successfully/i.test(inst.stdout + inst.stderr)) {
    throw new Error(`installing the vsix failed (exit ${inst.status}):\n${inst.stdout}\n${inst.stderr}`);
  }
  phase('install_vsix');

  const port = await freePort();
  server = spawn(process.execPath, [entry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  await waitFor('code-server to listen', () => serverLog.includes('HTTP server listening'), 60000, 200);
  phase('start_code_server');

  browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const shot = async (name) => {
    const file = path.join(artifacts, `${name}.png`);
    await page.screenshot({ path: file });
    log(`screenshot ${file}`);
  };

  // -- helpers ------------------------------------------------------------------------------
  const logDir = path.join(userData, 'logs');
  /** Everything the Tracefix output channel holds (the client's lines and the server's log messages). */
  const tracefixLog = () => {
    const found = spawnSync('bash', ['-c', `find "${logDir}" -iname '*tracefix*.log' -type f -print0 | xargs -0 -r cat`], { encoding: 'utf8' });
    return found.stdout ?? '';
  };
  const count = (text, needle) => text.split(needle).length - 1;
  /** The Python language status: VS Code puts our item's text and detail in the `{}` entry's label. */
  const languageStatus = async () => (await page.locator('#status\\.languageStatus').getAttribute('aria-label').catch(() => '')) ?? '';
  // The file's editor: the first code editor in the editor area (the Testing view's filter box
  // is a code editor too, in the side bar).
  const editorArea = page.locator('#workbench\\.parts\\.editor');
  const editor = editorArea.locator('.monaco-editor .view-lines').first();
  // Focus it through its tab: a click in the text could land on a clickable test result
  // decoration (which opens the test peek) or under the breadcrumbs.
  const focusEditor = () => page.locator('.tab').filter({ hasText: 'grading.py' }).first().click();
  const cursorLine = async () => Number((/Ln (\d+)/.exec(await page.locator('#status\\.editor\\.selection').innerText()) ?? [])[1]);
  const editorText = async () => (await editor.innerText()).replace(/\u00a0/g, ' ');
  const toasts = page.locator('.notifications-toasts .notification-toast');
  async function palette(label, { focus = true } = {}) {
    if (focus) await focusEditor();
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type(label);
    // Rows of the list before it filtered may still be in the page, hidden: read until ours shows.
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await waitFor(`"${label}" in the palette`, async () => {
      const labels = (await rows.allInnerTexts()).map((t) => t.split('\n')[0].trim());
      return labels.includes(label) && (await rows.first().isVisible()) ? labels : false;
    }, 30000, 200);
    // Other entries may match too ("Debug a Test with Trace…"): walk to the exact one, then Enter.
    const labels = (await rows.allInnerTexts()).map((t) => t.split('\n')[0].trim());
    for (let i = 0; i < labels.indexOf(label); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    log(`ran "${label}"`);
  }
  async function goToLine(n) {
    await focusEditor();
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type(String(n));
    await page.keyboard.press('Enter');
  }
  /** Opens the quick-fix menu (Ctrl+.) at the cursor and returns its rows; the menu stays open. */
  async function quickFixMenu({ expectMenu = false } = {}) {
    const menu = page.locator('.action-widget');
    const none = page.getByText(/No code actions available/i);
    await page.keyboard.press('Control+.');
    await waitFor('the code action menu or its "none" note', async () => (await menu.isVisible()) || (!expectMenu && (await none.first().isVisible())), 30000, 200);
    return (await menu.isVisible()) ? (await menu.locator('.monaco-list-row').allInnerTexts()).map((t) => t.trim()) : [];
  }
  const isFix = (row) => /^Use /.test(row);
  /** Changes a user setting in the Settings editor, as a person would, then closes that editor. */
  async function setSetting(key, value) {
    await palette('Preferences: Open User Settings');
    const settings = page.locator('.settings-editor');
    await settings.waitFor({ timeout: 30000 });
    await waitFor('the settings search box to have the focus', () => settings.locator('.suggest-input-container .monaco-editor.focused').count(), 30000, 200);
    await page.keyboard.type(key);
    // "tracefix.codeLens" is shown as "Tracefix: Code Lens".
    const label = key.split('.').pop().replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
    const item = settings.locator('.setting-item-contents').filter({ hasText: `Tracefix: ${label}` }).first();
    await item.waitFor({ timeout: 30000 });
    if (typeof value === 'boolean') {
      const box = item.locator('.setting-value-checkbox');
      if ((await box.getAttribute('aria-checked')) !== String(value)) await box.click();
      await waitFor(`${key} to be ${value}`, async () => (await box.getAttribute('aria-checked')) === String(value), 10000, 200);
    } else {
      const input = item.locator('input').first();
      await input.fill(value);
      await input.press('Tab');
    }
    await waitFor(`${key} saved to settings.json`, () => JSON.stringify(JSON.parse(fs.readFileSync(settingsFile, 'utf8'))[key]) === JSON.stringify(value), 30000, 200);
    await page.locator('.tab').filter({ hasText: 'Settings' }).locator('.codicon-close').first().click();
    await waitFor('the Settings editor to close', async () => (await page.locator('.tab').filter({ hasText: 'Settings' }).count()) === 0, 10000, 200);
    log(`set ${key} = ${JSON.stringify(value)} in the Settings editor`);
  }
  const errors = page.locator('.monaco-editor .squiggly-error');

  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  phase('load_workbench');

  // -- Workspace Trust: the folder starts untrusted; nothing of Tracefix may run ---------------
  const trustButton = page.getByRole('button', { name: /Yes, I trust the authors/i });
  await trustButton.waitFor({ timeout: 60000 });
  await waitFor('the Tracefix log to say it waits for trust', () => /not trusted/.test(tracefixLog()), 60000);
  await shot('0-untrusted');
  if (/server runs on/.test(tracefixLog())) throw new Error('the tracefix server started in an untrusted workspace');
  await trustButton.click();
  log('workspace trusted');

  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type('grading.py');
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'grading.py' }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await editor.waitFor();
  await waitFor('the grading.py editor tab', () => page.locator('.tab').filter({ hasText: 'grading.py' }).count(), 30000);
  await waitFor('the tracefix server to be ready', async () => {
    const s = await languageStatus();
    return /Tracefix/.test(s) && !/Starting/.test(s) ? s : false;
  }, 180000);
  log(`language status: ${await languageStatus()}`);
  if (/no Python|not running|off/.test(await languageStatus())) throw new Error(`tracefix did not start: ${await languageStatus()}`);
  checks.server_python = (/server runs on (\S+ \([\d.]+\))/.exec(tracefixLog()) ?? [])[1];
  phase('open_file_and_start_server');

  // -- A user-started run: one progress notification with Cancel, which stops the run ---------
  // The run on open may still be going; wait until it is done so the one cancelled is ours.
  await waitFor('the run on open to finish', () => /results for version/.test(tracefixLog()), 240000);
  const before = count(tracefixLog(), 'the request was cancelled');
  await palette('Tracefix: Debug with Trace');
  const progress = toasts.filter({ hasText: 'Tracefix: tracing' });
  await progress.first().waitFor({ timeout: 30000 });
  checks.progress_notifications = await progress.count();
  await progress.first().getByRole('button', { name: 'Cancel' }).click();
  await waitFor('the server to cancel the run', () => count(tracefixLog(), 'the request was cancelled') > before, 60000, 200);
  await waitFor('the progress notification to go', async () => (await progress.count()) === 0, 30000, 200);
  checks.cancelled = true;
  checks.error_toasts = await toasts.filter({ hasText: /Tracefix: .*(failed|error|cancelled)/i }).count();
  if (checks.error_toasts) throw new Error(`cancelling showed an error: ${await toasts.allInnerTexts()}`);
  log('cancelled a run from its progress notification; no toast');
  phase('cancel_run');

  // -- Debug with Trace to the end: the diagnostic and the trace view -----------------------------
  await palette('Tracefix: Debug with Trace');
  await waitFor('an error diagnostic in grading.py', () => errors.count(), 240000);
  checks.diagnostics_in_file = await errors.count();
  phase('debug_to_diagnostic');
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await webview.locator('.step').first().waitFor({ timeout: 120000 });
  const traceText = await webview.locator('body').innerText();
  const start = webview.locator('.step[data-start="true"]');
  checks.trace_starts_at = (await start.count()) ? (await start.locator('.where').innerText()).trim() : '';
  log(`trace view: ${await webview.locator('.step').count()} steps, starts at ${checks.trace_starts_at}`);
  if (!/failing/.test(traceText) || !/^letter/.test(checks.trace_starts_at)) {
    throw new Error(`the trace view should start at letter(), not the test: ${checks.trace_starts_at}\n${traceText.slice(0, 400)}`);
  }
  await page.waitForTimeout(800); // let the webview paint before the screenshot
  await shot('1-trace-view');
  phase('trace_view');

  // -- The Testing view lists the document's tests with the failure -----------------------------
  await palette('Testing: Focus on Test Explorer View');
  const testRows = page.locator('#workbench\\.parts\\.sidebar .monaco-list-row');
  const failedRow = testRows.filter({ hasText: 'test_top_scores' });
  await testRows.filter({ hasText: 'grading.py' }).first().waitFor({ timeout: 60000 });
  if ((await failedRow.count()) === 0) {
    // Collapsed: expand the file node.
    await testRows.filter({ hasText: 'grading.py' }).first().click();
    await page.keyboard.press('ArrowRight');
  }
  await failedRow.first().waitFor({ timeout: 30000 });
  await waitFor('test_top_scores marked failed', () => failedRow.first().locator('.codicon-testing-failed-icon').count(), 60000);
  checks.testing_view_failed = 'test_top_scores';
  await page.waitForTimeout(500);
  await shot('4-testing-view');
  phase('testing_view');

  // -- The lightbulb: nothing away from the bug; a short, action-first fix on it ----------------
  await goToLine(23); // assert letter(85) == "B": a passing test, far from the bug
  await waitFor('the cursor on line 23', async () => (await cursorLine()) === 23, 10000, 200);
  const away = await quickFixMenu();
  await page.keyboard.press('Escape');
  checks.fixes_away_from_bug = away.filter(isFix).length;
  if (checks.fixes_away_from_bug) throw new Error(`a fix was offered away from the bug: ${JSON.stringify(away)}`);
  log(`lightbulb on line 23: ${JSON.stringify(away)}`);
  await goToLine(1);
  await page.keyboard.press('F8'); // the next problem: the bug's one diagnostic
  await page.waitForTimeout(300);
  await page.keyboard.press('Escape');
  // The fix comes with the run's final results (after validation): wait for them, then ask once.
  await waitFor('the final results with a shown fix', () => /results for version \d+: 1 failing of 3, \d+ suggestions \(1 shown\)/.test(tracefixLog()), 120000);
  const rows = await quickFixMenu({ expectMenu: true });
  log(`lightbulb on the bug: ${JSON.stringify(rows)}`);
  if (!rows.some(isFix)) throw new Error(`no fix in the quick-fix menu on the bug: ${JSON.stringify(rows)}`);
  const fixTitle = rows.find(isFix).split('\n')[0].trim();
  checks.fix_title = fixTitle;
  checks.fix_title_length = fixTitle.length;
  log(`quick fix offered: ${fixTitle} (${fixTitle.length} characters)`);
  if (fixTitle.length > 60) throw new Error(`quick-fix title longer than 60 characters: ${fixTitle}`);
  await page.waitForTimeout(500);
  await shot('2-quick-fix');
  // The menu owns the keyboard: move to the fix and press Enter.
  const menu = page.locator('.action-widget');
  const focused = await menu.locator('.monaco-list-row.focused').first().innerText().catch(() => rows[0]);
  for (let i = Math.max(0, rows.indexOf(focused.trim())); i < rows.findIndex(isFix); i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  phase('quick_fix_menu');

  const file = path.join(workspace, 'grading.py');
  const original = fs.readFileSync(file, 'utf8');
  await waitFor('the fix in the editor', async () => (await editorText()).includes('score >= 90'), 20000);
  await page.keyboard.press('Control+S');
  await waitFor('the fixed file on disk', () => {
    const text = fs.readFileSync(file, 'utf8');
    return text.includes('if score >= 90:') && !text.includes('if score > 90:');
  }, 20000);
  log('grading.py changed on disk: "score > 90" -> "score >= 90"');
  await waitFor('the diagnostics to clear', async () => (await errors.count()) === 0 && (await page.locator('.monaco-editor .squiggly-warning').count()) === 0, 180000);
  await waitFor('the status to show no failures', async () => /tests pass/.test(await languageStatus()), 120000);
  log(`language status after the fix: ${await languageStatus()}`);
  await page.waitForTimeout(800);
  await shot('3-after-fix');
  checks.accept_logged = /recorded accept/.test(tracefixLog());
  if (!checks.accept_logged) throw new Error('applying the fix did not record an acceptance in the Tracefix log');
  phase('apply_fix_and_clear');

  // -- A settings change reaches the running server: no restart -----------------------------------
  const lenses = page.locator('.monaco-editor .codelens-decoration');
  await waitFor('code lenses in grading.py', () => lenses.count(), 60000);
  const starts = count(tracefixLog(), 'server runs on');
  await setSetting('tracefix.codeLens', false);
  await waitFor('the code lenses to go', async () => (await lenses.count()) === 0, 60000, 200);
  checks.restarts_for_settings = count(tracefixLog(), 'server runs on') - starts;
  if (checks.restarts_for_settings || /Restarting/.test(tracefixLog())) throw new Error('a settings change restarted the server');
  log('tracefix.codeLens=false applied by the running server');
  phase('settings_without_restart');

  // -- Other Pythons: the interpreter setting restarts the server on it, and it debugs --------
  checks.pythons = {};
  for (const py of otherPythons) {
    const runsBefore = count(tracefixLog(), 'server runs on');
    fs.writeFileSync(file, original); // the bug again (the editor reloads the unchanged buffer)
    await waitFor('the editor to reload grading.py', async () => (await editorText()).includes('score > 90'), 30000);
    await setSetting('tracefix.interpreter', py.exe);
    await waitFor(`a server on Python ${py.version}`, () => {
      const text = tracefixLog();
      return count(text, 'server runs on') > runsBefore && text.slice(text.lastIndexOf('User code runs on')).includes(`(${py.version}.`);
    }, 240000);
    await waitFor('the server to be ready', async () => /Tracefix/.test(await languageStatus()) && !/Starting/.test(await languageStatus()), 180000);
    await palette('Tracefix: Debug with Trace');
    await waitFor(`the diagnostic with Python ${py.version}`, () => errors.count(), 240000);
    await waitFor('the trace view on this Python', async () => (await webview.locator('.summary').innerText()).includes(`Python ${py.version}.`), 60000);
    // The tests ran there: the one failure and the two passing tests, not a run that could not start.
    if (!/1 failing · 2 passing/.test(await webview.locator('.summary').innerText())) {
      throw new Error(`Python ${py.version} did not run the tests: ${await webview.locator('body').innerText()}`);
    }
    checks.pythons[py.version] = (await webview.locator('.summary').innerText()).trim();
    log(`Python ${py.version}: ${checks.pythons[py.version]}`);
    await shot(`5-python-${py.version}`);
    phase(`python_${py.version.replace('.', '')}`);
  }

  exitCode = 0;
} catch (err) {
  console.error(`vscode_e2e FAILED: ${err instanceof Error ? err.stack : err}`);
  try {
    const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(artifacts, 'failure.png') });
  } catch {}
  const found = spawnSync('bash', ['-c', `find "${path.join(userData, 'logs')}" -iname '*tracefix*' -type f | head -3 | xargs -r tail -n 40`], { encoding: 'utf8' });
  if (found.stdout) console.error(`--- Tracefix log tail ---\n${found.stdout}`);
} finally {
  timings.total = Math.round((Date.now() - t0) / 100) / 10;
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (exitCode === 0 && !process.env.TRACEFIX_E2E_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
  else log(`scratch kept at ${scratch}`);
  console.log(`E2E_TIMINGS ${JSON.stringify({ ...timings, checks })}`);
  process.exit(exitCode);
}
