// Drives a real VS Code (npm's code-server) in Debian's headless Chromium: installs the built
// .vsix, opens a copy of examples/, trusts it, runs "Tracefix: Debug with Trace" on grading.py,
// waits for the diagnostic, applies the quick fix, saves, and checks that the file changed on
// disk and the diagnostic cleared. Screenshots go to the artifacts folder; a JSON line with the
// phase timings is printed last. Exit code 0 = pass.
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

const t0 = Date.now();
const timings = {};
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
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tracefix-e2e-'));
const workspace = path.join(scratch, 'workspace');
fs.cpSync(examples, workspace, { recursive: true, filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache') });
const userData = path.join(scratch, 'user-data');
const extensionsDir = path.join(scratch, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(
  path.join(userData, 'User', 'settings.json'),
  JSON.stringify(
    {
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
    },
    null,
    2,
  ),
);
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
  server = spawn(process.execPath, [entry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-workspace-trust=false'].filter((a) => a !== '--disable-workspace-trust=false'), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  phase('load_workbench');

  // Workspace Trust: the folder starts untrusted; Tracefix must say so and run nothing.
  const trustButton = page.getByRole('button', { name: /Yes, I trust the authors/i });
  await trustButton.waitFor({ timeout: 60000 });
  const status = page.locator('.statusbar-item').filter({ hasText: 'Tracefix' }).first();
  await waitFor('the status bar to say Tracefix is off while untrusted', async () => /Tracefix: off/.test(await status.innerText()), 60000);
  await shot('0-untrusted');
  if (fs.existsSync(path.join(userData, 'logs')) && spawnSync('grep', ['-rl', 'server runs on', path.join(userData, 'logs')]).status === 0) {
    throw new Error('the tracefix server started in an untrusted workspace');
  }
  await trustButton.click();
  log('workspace trusted');
  // Open grading.py through Quick Open.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type('grading.py');
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'grading.py' }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines').first().waitFor();
  await waitFor('the grading.py editor tab', () => page.locator('.tab').filter({ hasText: 'grading.py' }).count(), 30000);
  await status.waitFor({ timeout: 60000 });
  await waitFor('the tracefix server to be ready', async () => {
    const text = (await status.innerText()).trim();
    return text.startsWith('Tracefix') && !text.includes('starting') ? text : false;
  }, 120000);
  log(`status bar: ${(await status.innerText()).trim()}`);
  if (/no Python|error|off/i.test(await status.innerText())) throw new Error(`tracefix did not start: ${(await status.innerText()).trim()}`);
  phase('open_file_and_start_server');

  // Run the command from the palette, as a user would.
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type('Tracefix: Debug with Trace');
  const paletteRows = page.locator('.quick-input-list .monaco-list-row');
  await paletteRows.filter({ hasText: 'Debug with Trace' }).first().waitFor({ timeout: 20000 });
  await page.waitForTimeout(300);
  // Other entries match too ("Debug a Test with Trace…"): walk to the exact one, then Enter.
  const labels = (await paletteRows.allInnerTexts()).map((t) => t.split('\n')[0].trim());
  const wanted = labels.findIndex((l) => l === 'Tracefix: Debug with Trace');
  if (wanted < 0) throw new Error(`"Tracefix: Debug with Trace" is not in the palette: ${JSON.stringify(labels)}`);
  for (let i = 0; i < wanted; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  log('ran "Tracefix: Debug with Trace"');

  const errors = page.locator('.monaco-editor .squiggly-error');
  await waitFor('an error diagnostic in grading.py', () => errors.count(), 240000);
  phase('debug_to_diagnostic');

  // The trace view is a webview: two nested iframes.
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await webview.locator('.step').first().waitFor({ timeout: 120000 });
  const steps = await webview.locator('.step').count();
  const traceText = await webview.locator('body').innerText();
  log(`trace view shows ${steps} block steps`);
  if (!/failing/.test(traceText) || !/letter/.test(traceText)) throw new Error(`trace view lacks the failing test:\n${traceText.slice(0, 500)}`);
  await page.waitForTimeout(800);
  await shot('1-trace-view');
  phase('trace_view');

  // Keyboard in the trace view: focus the first step and press Enter; the block is revealed.
  await webview.locator('.step').first().focus();
  await webview.locator('.step').first().press('Enter');
  await page.waitForTimeout(500);

  // Go to the failing line and open the quick-fix menu (Ctrl+.).
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('F8');
  await page.waitForTimeout(800);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget');
  const fix = menu.locator('.monaco-list-row').filter({ hasText: /tracefix:/ }).filter({ hasNotText: /dismiss/i }).first();
  await fix.waitFor({ timeout: 30000 });
  const fixTitle = (await fix.innerText()).trim();
  log(`quick fix offered: ${fixTitle}`);
  await page.waitForTimeout(500);
  await shot('2-quick-fix');
  // The menu owns the keyboard (an overlay takes pointer events): move to the fix and press Enter.
  const rows = await menu.locator('.monaco-list-row').allInnerTexts();
  const target = rows.findIndex((r) => /tracefix:/.test(r) && !/dismiss/i.test(r));
  const focused = await menu.locator('.monaco-list-row.focused').first().innerText().catch(() => rows[0]);
  for (let i = Math.max(0, rows.indexOf(focused)); i < target; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  phase('quick_fix_menu');

  const file = path.join(workspace, 'grading.py');
  const editorHas = async (needle) => (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ').includes(needle);
  await waitFor('the fix in the editor', () => editorHas('score >= 90'), 20000);
  await page.keyboard.press('Control+S');
  await waitFor('the fixed file on disk', () => {
    const text = fs.readFileSync(file, 'utf8');
    return text.includes('if score >= 90:') && !text.includes('if score > 90:');
  }, 20000);
  log('grading.py changed on disk: "score > 90" -> "score >= 90"');

  await waitFor('the diagnostics to clear', async () => (await errors.count()) === 0 && (await page.locator('.monaco-editor .squiggly-warning').count()) === 0, 180000);
  await waitFor('the status bar to show no failures', async () => !/failing|fix available|running/.test(await status.innerText()), 60000);
  log(`status bar after the fix: ${(await status.innerText()).trim()}`);
  await page.waitForTimeout(800);
  await shot('3-after-fix');
  phase('apply_fix_and_clear');

  // The accept reached the server (it logs each recorded feedback event to the Tracefix output).
  const logs = spawnSync('grep', ['-rl', 'recorded accept', path.join(userData, 'logs')], { encoding: 'utf8' });
  timings.accept_logged = logs.status === 0;
  if (!timings.accept_logged) throw new Error('applying the fix did not record an acceptance in the Tracefix log');
  log('the server recorded the acceptance');

  exitCode = 0;
} catch (err) {
  console.error(`vscode_e2e FAILED: ${err instanceof Error ? err.stack : err}`);
  try {
    const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(artifacts, 'failure.png') });
  } catch {}
  const logDir = path.join(userData, 'logs');
  const found = spawnSync('bash', ['-c', `find "${logDir}" -iname '*tracefix*' -type f | head -3 | xargs -r tail -n 40`], { encoding: 'utf8' });
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
  console.log(`E2E_TIMINGS ${JSON.stringify(timings)}`);
  process.exit(exitCode);
}
