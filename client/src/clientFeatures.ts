// What this extension adds to the stock language client: the `tracefix/status` notification
// (asked for through an experimental capability, so other editors never get it), answers to
// `workspace/configuration` per scope, and code-lens clicks routed into the cancellable
// "Debug with Trace" command. Diagnostics, code actions and progress are the client's own:
// nothing here rewrites what the server sends.
import * as vscode from 'vscode';
import { ClientCapabilities, FeatureState, LanguageClient, Middleware, StaticFeature } from 'vscode-languageclient/node';
import { TestJson } from './core/report';
import { ProblemJson } from './core/status';

export const STATUS_NOTIFICATION = 'tracefix/status';

/** Server → client, per document (server/tracefix/lsp/status.py). */
export interface DocStatusJson {
  uri: string;
  version: number | null;
  running: boolean;
  problem?: ProblemJson | null;
  failing?: number;
  total?: number;
  fixes?: number;
  root?: string;
  resultVersion?: number; // the document version the results are for
  tests?: (TestJson & { durationMs?: number })[];
}

class StatusFeature implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), tracefixStatus: true };
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: 'static' };
  }
  clear(): void {}
}

/** Registers the status capability and hands each notification to `onStatus`. */
export function attachStatus(client: LanguageClient, onStatus: (status: DocStatusJson) => void): vscode.Disposable {
  client.registerFeature(new StatusFeature());
  return client.onNotification(STATUS_NOTIFICATION, (params: DocStatusJson) => {
    if (params && typeof params.uri === 'string') onStatus(params);
  });
}

export interface MiddlewareHooks {
  /** The `tracefix` section for a scope (a document or folder URI; undefined = no scope). */
  settingsFor(scope: vscode.Uri | undefined): Promise<Record<string, unknown>>;
}

export function createMiddleware(hooks: MiddlewareHooks): Middleware {
  return {
    workspace: {
      // Each item may name a scope: answer with that folder's settings, so a multi-root
      // workspace runs each folder with its own interpreter, precision and test paths.
      configuration: async (params, token, next) => {
        const result = await next(params, token);
        if (!Array.isArray(result)) return result;
        return Promise.all(
          params.items.map((item, i) =>
            item.section === 'tracefix' ? hooks.settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : result[i],
          ),
        );
      },
    },
    // A code lens or source action runs the server's command directly; run it as the palette
    // command instead, with its one cancellable progress indicator and the trace view.
    executeCommand: async (command, args, next) => {
      if (command === 'tracefix.debugWithTrace' && typeof args[0] === 'string') {
        return vscode.commands.executeCommand('tracefix.debug', args[0], typeof args[1] === 'string' ? args[1] : undefined);
      }
      return next(command, args);
    },
  };
}
