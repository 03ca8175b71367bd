// Owns the language client: finds a Python, starts the bundled launcher's `serve` over stdio
// (bundled/tool/tracefix_server.py puts the extension's libraries for that Python on sys.path),
// restarts it only when the interpreter changes (other settings reach the running server through
// didChangeConfiguration), and passes the server's per-document status on to the UI.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LSPErrorCodes,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  WorkDoneProgress,
} from 'vscode-languageclient/node';
import { DocStatusJson, attachStatus, createMiddleware } from './clientFeatures';
import { ProbeResult, Resolution, expandInterpreterPath, interpreterCandidates, makeProber, resolveInterpreters, startupFailureMessage } from './core/interpreter';
import { ReportJson, asReport } from './core/report';
import { readSettings, serverEnvironment, toServerSettings } from './core/settings';
import { activeInterpreter, onInterpreterChange } from './pythonExtension';
import { StatusBar } from './statusBar';

export const ACCEPT_COMMAND = 'tracefix.acceptSuggestion';
export const REJECT_COMMAND = 'tracefix.rejectSuggestion';
export const SECRET_KEY = 'tracefix.llm.apiKey';
// Settings that choose the server's process (its Python, the name its API key travels under).
const RESTART_SETTINGS = ['tracefix.interpreter', 'tracefix.llm.apiKeyEnvVar'];

export class TracefixClient implements vscode.Disposable {
  client: LanguageClient | undefined;
  resolution: Resolution | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private readonly statusReceived = new vscode.EventEmitter<DocStatusJson>();
  /** Fires for each `tracefix/status` the server sends (a run began or ended, results, a problem). */
  readonly onDidReceiveStatus = this.statusReceived.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly status: StatusBar,
    readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.statusReceived,
      vscode.workspace.onDidChangeConfiguration((e) => {
        // Only what selects the server's own process needs a new one: the warm workers and the
        // feedback history of a running server survive every other change.
        if (RESTART_SETTINGS.some((k) => e.affectsConfiguration(k))) this.scheduleRestart('settings changed');
        else if (e.affectsConfiguration('tracefix') && this.isRunning) {
          void this.client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
        }
      }),
      context.secrets.onDidChange((e) => {
        if (e.key === SECRET_KEY) this.scheduleRestart('API key changed');
      }),
    );
    void onInterpreterChange(() => this.scheduleRestart('Python interpreter changed')).then((d) => d && this.disposables.push(d));
  }

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  private scheduleRestart(why: string): void {
    if (!vscode.workspace.isTrusted) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.output.info(`Restarting: ${why}`);
      void this.restart();
    }, 400);
  }

  /** The launcher in the .vsix, or in a checkout (Extension Development Host), where it uses server/. */
  private get launcher(): string {
    return path.join(this.context.extensionPath, 'bundled', 'tool', 'tracefix_server.py');
  }

  /** Where the optional LLM client is installed on first use: per user, outside the extension folder so updates keep it. */
  private get llmLibs(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'llm-libs');
  }

  /**
   * The openai client does not ship in the .vsix (with its pydantic chain it would triple the
   * package, per Python version); when the LLM is configured and the server's Python lacks it,
   * the launcher pip-installs it once into the extension's storage.
   */
  private async ensureLlmClient(server: ProbeResult, baseUrl: string, model: string): Promise<void> {
    if (!baseUrl || !model || server.llm) return;
    const title = `Tracefix: installing the LLM client for Python ${server.version.slice(0, 2).join('.')}`;
    this.output.info(`${title} into ${this.llmLibs}`);
    const failure = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () =>
      new Promise<string | undefined>((resolve) => {
        execFile(server.executable, [this.launcher, '--install-llm', this.llmLibs], { timeout: 300000, windowsHide: true }, (err, stdout, stderr) => {
          if (stdout.trim()) this.output.info(stdout.trim());
          if (stderr.trim()) this.output.warn(stderr.trim());
          resolve(err ? startupFailureMessage(String(stderr), server.executable) : undefined);
        });
      }),
    );
    if (failure) {
      this.output.error(failure);
      void vscode.window.showWarningMessage(`Tracefix: ${failure}. Offline fixes still work.`, 'Show Log').then((p) => p && this.output.show());
    }
  }

  async start(): Promise<void> {
    if (this.starting) return this.starting;
    this.starting = this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.status.dispatch({ type: 'untrusted' });
      return;
    }
    this.status.dispatch({ type: 'serverStarting' });
    const folder = vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration('tracefix', folder?.uri);
    const { settings, problems } = readSettings((k) => config.get(k));
    problems.forEach((p) => this.output.warn(p));

    const candidates = interpreterCandidates({
      setting: settings.interpreter,
      pythonExtension: await activeInterpreter(folder?.uri),
      workspaceFolder: folder?.uri.fsPath,
    });
    if (!fs.existsSync(this.launcher)) {
      this.output.error(`${this.launcher} is missing: reinstall the Tracefix extension`);
    }
    const checkStarted = Date.now();
    const resolution = await resolveInterpreters(candidates, makeProber(this.launcher));
    const checkMs = Date.now() - checkStarted;
    this.resolution = resolution;
    resolution.notes.forEach((n) => this.output.info(n));
    if (!resolution.ok) {
      this.output.error(resolution.reason);
      this.status.dispatch({ type: 'noPython', reason: resolution.reason });
      void vscode.window.showErrorMessage(`Tracefix: ${resolution.reason}.`, 'Set Interpreter', 'Show Log').then((pick) => {
        if (pick === 'Set Interpreter') void vscode.commands.executeCommand('workbench.action.openSettings', 'tracefix.interpreter');
        if (pick === 'Show Log') this.output.show();
      });
      return;
    }
    const { user, server } = resolution;
    this.output.info(
      `User code runs on ${user.executable} (${user.version.join('.')}, from ${user.source}); ` +
        `server runs on ${server.executable} (${server.version.join('.')}) through ${this.launcher} (checked in ${checkMs} ms)`,
    );
    await this.ensureLlmClient(server, settings.llm.baseUrl, settings.llm.model);
    const apiKey = await this.context.secrets.get(SECRET_KEY);
    const serverSettings = toServerSettings(settings, user.executable);
    const env = { ...serverEnvironment(process.env, settings, apiKey, []), TRACEFIX_LLM_LIBS: this.llmLibs };
    // Spawned here rather than by the client so the end of the server's stderr is at hand
    // when it dies while starting: that line (the launcher's "tracefix: cause: action") is the message.
    let stderrTail = '';
    const serverOptions: ServerOptions = async () => {
      stderrTail = '';
      const child = spawn(server.executable, [this.launcher, 'serve'], { cwd: folder?.uri.fsPath, env, windowsHide: true });
      child.stderr.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-8000)));
      return child;
    };
    let running = false;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      initializationOptions: serverSettings,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: 'tracefix',
      middleware: createMiddleware({ settingsFor: (scope) => this.settingsFor(scope, user.executable) }),
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          // Before it ran, start() below reports the cause once; the client's own toast would say less.
          if (this.stopping || !running) return { action: CloseAction.DoNotRestart, handled: true };
          this.status.dispatch({ type: 'serverFailed', message: 'The tracefix server stopped unexpectedly' });
          return { action: CloseAction.DoNotRestart, message: 'The tracefix server stopped. Run "Tracefix: Restart Server" after checking the Tracefix log.' };
        },
      },
    };
    const client = new LanguageClient('tracefix', 'Tracefix', serverOptions, clientOptions);
    this.client = client;
    attachStatus(client, (st) => this.statusReceived.fire(st));
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        running = true;
        this.status.dispatch({ type: 'serverReady' });
      } else if (e.newState === State.Stopped && !this.stopping && this.status.current.server.kind !== 'error') this.status.dispatch({ type: 'serverStopped' });
    });
    try {
      const startStarted = Date.now();
      await client.start();
      this.output.info(`Server ready in ${Date.now() - startStarted} ms`);
    } catch (err) {
      // The process's own last words say why; the client's error ("connection closed") does not.
      const message = stderrTail.trim() ? startupFailureMessage(stderrTail, server.executable) : err instanceof Error ? err.message : String(err);
      this.output.error(`Could not start the tracefix server: ${message}`);
      this.status.dispatch({ type: 'serverFailed', message });
      void vscode.window.showErrorMessage(`Tracefix: the server did not start (${message}).`, 'Show Log').then((p) => p && this.output.show());
    }
  }

  /**
   * The `tracefix` section for one scope, as the server takes it. The interpreter is the scope's
   * own setting or the Python extension's choice for it, else the one resolved at start, so the
   * server runs each folder's code with that folder's Python.
   */
  private async settingsFor(scope: vscode.Uri | undefined, resolved: string): Promise<Record<string, unknown>> {
    // No scope: the first folder's, as at start (read again: the settings may have changed since).
    const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration('tracefix', scope ?? folder?.uri);
    const { settings } = readSettings((k) => config.get(k));
    const own = settings.interpreter
      ? expandInterpreterPath(settings.interpreter, folder?.uri.fsPath)
      : scope
        ? await activeInterpreter(scope)
        : undefined;
    return toServerSettings(settings, own || resolved);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.state !== State.Stopped) await client.stop(5000);
    } catch (err) {
      this.output.warn(`Stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.stopping = false;
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Sends workspace/executeCommand to the server and returns its result. */
  async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    const client = this.requireClient();
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /**
   * A new run of a document's tests (the user asked for it): the request's own token carries the
   * server's progress messages to `onMessage`, and cancelling `token` cancels the run itself.
   * Undefined when it was cancelled or overtaken by an edit.
   */
  async runTrace(uri: vscode.Uri, testId: string | undefined, token: vscode.CancellationToken, onMessage?: (m: string) => void): Promise<ReportJson | undefined> {
    const client = this.requireClient();
    const workDoneToken = `tracefix-run-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const progress = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind !== 'end' && value.message) onMessage?.(value.message);
    });
    try {
      const params: Record<string, unknown> = { uri: uri.toString(), rerun: true, workDoneToken };
      if (testId) params.testId = testId;
      return asReport(await client.sendRequest('tracefix/trace', params, token));
    } catch (err) {
      if (token.isCancellationRequested || (err instanceof ResponseError && err.code === LSPErrorCodes.RequestCancelled)) return undefined;
      throw err;
    } finally {
      progress.dispose();
    }
  }

  /** The schema-1 report for a document (and optionally one test), from `tracefix/trace`. */
  async requestTrace(uri: vscode.Uri, testId?: string): Promise<ReportJson | undefined> {
    const client = this.requireClient();
    const params: Record<string, string> = { uri: uri.toString() };
    if (testId) params.testId = testId;
    return asReport(await client.sendRequest('tracefix/trace', params));
  }

  requireClient(): LanguageClient {
    if (!this.client || this.client.state !== State.Running) {
      throw new Error(this.notRunningReason());
    }
    return this.client;
  }

  notRunningReason(): string {
    if (!vscode.workspace.isTrusted) return 'Tracefix runs your tests, so it is off until you trust this workspace';
    if (this.resolution && !this.resolution.ok) return this.resolution.reason;
    return 'The tracefix server is not running; see the Tracefix log or run "Tracefix: Restart Server"';
  }

  dispose(): void {
    clearTimeout(this.restartTimer);
    void this.stop();
    this.disposables.forEach((d) => d.dispose());
  }
}
