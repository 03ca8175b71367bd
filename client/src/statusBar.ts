// Binds the pure status state machine (core/status.ts) to a language status item scoped to
// Python: it sits with the other Python statuses (the `{}` next to the language mode), shows
// busy while a run goes and uses severity, never a coloured status-bar background, and is not
// there at all for other file types.
import * as vscode from 'vscode';
import { StatusEvent, StatusState, initialStatus, reduce, render } from './core/status';

const COMMANDS = {
  showTrace: 'tracefix.showTrace',
  restartServer: 'tracefix.restartServer',
  manageTrust: 'workbench.trust.manage',
  showOutput: 'tracefix.showOutput',
  debug: 'tracefix.debug',
} as const;

const SEVERITY = {
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
} as const;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('tracefix.status', { language: 'python' });
  private state: StatusState = initialStatus;

  constructor() {
    this.item.name = 'Tracefix';
    this.update();
  }

  get current(): StatusState {
    return this.state;
  }

  dispatch(ev: StatusEvent): void {
    this.state = reduce(this.state, ev);
    this.update();
  }

  private update(): void {
    const view = render(this.state);
    this.item.text = view.text;
    this.item.detail = view.detail;
    this.item.severity = SEVERITY[view.severity];
    this.item.busy = view.busy;
    this.item.accessibilityInformation = { label: `${view.text}. ${view.detail}` };
    this.item.command = { title: view.commandTitle, command: COMMANDS[view.command] };
  }

  dispose(): void {
    this.item.dispose();
  }
}
