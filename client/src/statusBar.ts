// Binds the pure status state machine (core/status.ts) to a VS Code status-bar item.
import * as vscode from 'vscode';
import { StatusEvent, StatusState, initialStatus, reduce, render } from './core/status';

const COMMANDS = {
  showTrace: 'tracefix.showTrace',
  restartServer: 'tracefix.restartServer',
  manageTrust: 'workbench.trust.manage',
  showOutput: 'tracefix.showOutput',
  debug: 'tracefix.debug',
} as const;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tracefix.status', vscode.StatusBarAlignment.Left, 50);
  private state: StatusState = initialStatus;

  constructor() {
    this.item.name = 'Tracefix';
    this.update();
    this.item.show();
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
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
    this.item.command = COMMANDS[view.command];
    this.item.backgroundColor =
      view.tone === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.tone === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
