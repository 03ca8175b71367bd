// The interpreter the user picked in VS Code, read through the published APIs: the Python
// Environments extension's API when that extension is present, else the Python extension's
// environments API through @vscode/python-extension. Both are looked up at run time (no
// extensionDependencies), so Tracefix works in editors that have neither.
import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

const ENVS_EXTENSION_ID = 'ms-python.vscode-python-envs';

// The slice of the Python Environments API (ms-python.vscode-python-envs) used here; it ships no
// npm package of its own, so the shape is declared where it is used and checked before use.
interface EnvsApi {
  getEnvironment(scope: vscode.Uri | undefined): Promise<{ execInfo?: { run?: { executable?: string } } } | undefined>;
  onDidChangeEnvironment?: vscode.Event<unknown>;
}

async function envsApi(): Promise<EnvsApi | undefined> {
  const ext = vscode.extensions.getExtension<EnvsApi>(ENVS_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    return api && typeof api.getEnvironment === 'function' ? api : undefined;
  } catch {
    return undefined;
  }
}

async function pythonApi(): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension('ms-python.python')) return undefined; // api() would throw
  try {
    return await PythonExtension.api();
  } catch {
    return undefined;
  }
}

/** The user's interpreter for `resource`, or undefined (neither extension installed, none selected). */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  try {
    const envs = await envsApi();
    const exe = envs ? (await envs.getEnvironment(resource))?.execInfo?.run?.executable : undefined;
    if (exe) return exe;
    const py = await pythonApi();
    if (!py) return undefined;
    const env = await py.environments.resolveEnvironment(py.environments.getActiveEnvironmentPath(resource));
    return env?.executable.uri?.fsPath;
  } catch {
    return undefined; // an API shape we do not know: behave as if the extension were absent
  }
}

/** Fires when the user picks another interpreter in either extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const subs: vscode.Disposable[] = [];
  const envs = await envsApi();
  if (envs?.onDidChangeEnvironment) subs.push(envs.onDidChangeEnvironment(listener));
  const py = await pythonApi();
  if (py) subs.push(py.environments.onDidChangeActiveEnvironmentPath(listener));
  return subs.length ? vscode.Disposable.from(...subs) : undefined;
}
