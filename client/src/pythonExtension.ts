// Reads the active interpreter from the Python extension when it is installed. We only look it
// up at run time (no extensionDependencies), so Tracefix works in editors without it.
import * as vscode from 'vscode';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/** The Python extension's interpreter for `resource`, or undefined (not installed, none selected). */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const py = await api();
  if (!py) return undefined;
  try {
    const envPath = py.environments?.getActiveEnvironmentPath(resource);
    if (envPath) {
      const env = await py.environments?.resolveEnvironment(envPath);
      const exe = env?.executable?.uri?.fsPath;
      if (exe) return exe;
    }
    const cmd = py.settings?.getExecutionDetails(resource)?.execCommand;
    if (cmd && cmd.length === 1) return cmd[0];
  } catch {
    // An API shape we do not know: behave as if the extension were absent.
  }
  return undefined;
}

/** Fires when the user picks another interpreter in the Python extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const py = await api();
  const ev = py?.environments?.onDidChangeActiveEnvironmentPath ?? py?.settings?.onDidChangeExecutionDetails;
  return ev ? ev(listener) : undefined;
}
