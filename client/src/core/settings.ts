// Reads the `tracefix.*` settings into a typed object and maps them onto what the server
// accepts (initializationOptions and the `tracefix` configuration section). Kept free of the
// vscode module so it can be unit-tested with node's test runner.

export type RunOn = 'save' | 'type' | 'manual';
export const RUN_ON: readonly RunOn[] = ['save', 'type', 'manual'];

export interface LlmSettings {
  baseUrl: string;
  model: string;
  apiKeyEnvVar: string;
}

export interface TracefixSettings {
  interpreter: string;
  runOn: RunOn;
  timeoutSeconds: number;
  precision: number;
  maxTests: number;
  testPaths: string[];
  llm: LlmSettings;
  showNotifications: boolean; // pop-up messages for problems; off: the log and the status item only
  codeLens: boolean;
  inlayHints: boolean;
}

export const DEFAULTS: TracefixSettings = {
  interpreter: '',
  runOn: 'save',
  timeoutSeconds: 30,
  precision: 0.9,
  maxTests: 300,
  testPaths: [],
  llm: { baseUrl: '', model: '', apiKeyEnvVar: 'OPENAI_API_KEY' },
  showNotifications: false,
  codeLens: true,
  inlayHints: true,
};

/** A getter like `WorkspaceConfiguration.get` scoped to the `tracefix` section. */
export type SettingGetter = (key: string) => unknown;

export interface ReadResult {
  settings: TracefixSettings;
  problems: string[];
}

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function str(get: SettingGetter, key: string, fallback: string, problems: string[]): string {
  const raw = get(key);
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'string') {
    problems.push(`tracefix.${key} must be a string; using "${fallback}"`);
    return fallback;
  }
  return raw.trim();
}

function num(get: SettingGetter, key: string, fallback: number, lo: number, hi: number, problems: string[]): number {
  const raw = get(key);
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isFinite(value) || value < lo || value > hi) {
    problems.push(`tracefix.${key} must be a number from ${lo} to ${hi}; using ${fallback}`);
    return fallback;
  }
  return value;
}

function bool(get: SettingGetter, key: string, fallback: boolean, problems: string[]): boolean {
  const raw = get(key);
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'boolean') {
    problems.push(`tracefix.${key} must be true or false; using ${fallback}`);
    return fallback;
  }
  return raw;
}

function strList(get: SettingGetter, key: string, problems: string[]): string[] {
  const raw = get(key);
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) {
    problems.push(`tracefix.${key} must be a list of globs; using pytest's own configuration`);
    return [];
  }
  return raw.map((x: string) => x.trim()).filter((x: string) => x !== '');
}

/** Validates the user's settings; a bad value falls back to its default with a one-line problem. */
export function readSettings(get: SettingGetter): ReadResult {
  const problems: string[] = [];
  const runOnRaw = get('runOn');
  let runOn: RunOn = DEFAULTS.runOn;
  if (runOnRaw !== undefined && runOnRaw !== null) {
    if (RUN_ON.includes(runOnRaw as RunOn)) runOn = runOnRaw as RunOn;
    else problems.push(`tracefix.runOn must be one of ${RUN_ON.join(', ')}; using "${DEFAULTS.runOn}"`);
  }
  let apiKeyEnvVar = str(get, 'llm.apiKeyEnvVar', DEFAULTS.llm.apiKeyEnvVar, problems);
  if (apiKeyEnvVar === '' || !ENV_VAR_NAME.test(apiKeyEnvVar)) {
    if (apiKeyEnvVar !== '') problems.push(`tracefix.llm.apiKeyEnvVar "${apiKeyEnvVar}" is not a variable name; using ${DEFAULTS.llm.apiKeyEnvVar}`);
    apiKeyEnvVar = DEFAULTS.llm.apiKeyEnvVar;
  }
  const settings: TracefixSettings = {
    interpreter: str(get, 'interpreter', DEFAULTS.interpreter, problems),
    runOn,
    timeoutSeconds: num(get, 'timeoutSeconds', DEFAULTS.timeoutSeconds, 0.5, 600, problems),
    precision: num(get, 'precision', DEFAULTS.precision, 0, 1, problems),
    maxTests: Math.round(num(get, 'maxTests', DEFAULTS.maxTests, 1, 100000, problems)),
    testPaths: strList(get, 'testPaths', problems),
    llm: {
      baseUrl: str(get, 'llm.baseUrl', DEFAULTS.llm.baseUrl, problems),
      model: str(get, 'llm.model', DEFAULTS.llm.model, problems),
      apiKeyEnvVar,
    },
    showNotifications: bool(get, 'showNotifications', DEFAULTS.showNotifications, problems),
    codeLens: bool(get, 'codeLens', DEFAULTS.codeLens, problems),
    inlayHints: bool(get, 'inlayHints', DEFAULTS.inlayHints, problems),
  };
  return { settings, problems };
}

/**
 * What the server receives, both as initializationOptions and as the answer to a
 * `workspace/configuration` request for the `tracefix` section. The interpreter is the
 * resolved path (the setting may be empty or relative), so server and client agree on it.
 */
export function toServerSettings(settings: TracefixSettings, resolvedInterpreter: string): Record<string, unknown> {
  return {
    interpreter: resolvedInterpreter || settings.interpreter,
    runOn: settings.runOn,
    timeoutSeconds: settings.timeoutSeconds,
    precision: settings.precision,
    maxTests: settings.maxTests,
    testPaths: settings.testPaths,
    llm: {
      baseUrl: settings.llm.baseUrl,
      model: settings.llm.model,
      apiKeyEnvVar: settings.llm.apiKeyEnvVar,
    },
    showNotifications: settings.showNotifications,
    codeLens: settings.codeLens,
    inlayHints: settings.inlayHints,
  };
}

/**
 * Environment for the server process. The API key from secret storage is handed over under the
 * configured variable name (the server keeps it away from the user's code); settings.json never
 * holds it.
 */
export function serverEnvironment(
  base: Record<string, string | undefined>,
  settings: TracefixSettings,
  apiKey: string | undefined,
  pythonPath: string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (apiKey) env[settings.llm.apiKeyEnvVar] = apiKey;
  if (pythonPath.length > 0) {
    const sep = process.platform === 'win32' ? ';' : ':';
    env.PYTHONPATH = [...pythonPath, ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])].join(sep);
  }
  // Output from the server must not be buffered: the protocol runs over stdout.
  env.PYTHONUNBUFFERED = '1';
  return env;
}
