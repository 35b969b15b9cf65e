// User settings, kept in this browser: the API key, the system message, the theme, and sampling
// values that differ from the server's defaults (GET /props). Only those overrides are sent.

const KEY = 'cria.settings';

// Every sampling field the settings dialog offers, in its order, with the request field it sets.
// `kind`: number (float), int, or choice. Empty means "the server's default".
export const SAMPLING_FIELDS = [
  { key: 'temperature', label: 'Temperature', kind: 'number', step: 0.05, min: 0, group: 'basic',
    help: 'Randomness: 0 always picks the most likely token.' },
  { key: 'top_k', label: 'Top-k', kind: 'int', min: 0, group: 'basic', help: 'Keep only the k most likely tokens (0 = all).' },
  { key: 'top_p', label: 'Top-p', kind: 'number', step: 0.01, min: 0, max: 1, group: 'basic',
    help: 'Keep the most likely tokens whose probabilities add up to p.' },
  { key: 'min_p', label: 'Min-p', kind: 'number', step: 0.01, min: 0, max: 1, group: 'basic',
    help: 'Drop tokens less likely than p times the most likely one.' },
  { key: 'n_predict', label: 'Max tokens', kind: 'int', min: -1, group: 'basic',
    help: 'The most tokens a reply may have (-1 = until it ends or the context is full).' },
  { key: 'seed', label: 'Seed', kind: 'int', min: -1, group: 'basic', help: '-1 picks a random seed for each request.' },
  { key: 'typical_p', label: 'Typical-p', kind: 'number', step: 0.01, min: 0, max: 1, group: 'more' },
  { key: 'repeat_penalty', label: 'Repeat penalty', kind: 'number', step: 0.05, min: 0, group: 'more' },
  { key: 'repeat_last_n', label: 'Repeat last n', kind: 'int', min: -1, group: 'more' },
  { key: 'presence_penalty', label: 'Presence penalty', kind: 'number', step: 0.1, group: 'more' },
  { key: 'frequency_penalty', label: 'Frequency penalty', kind: 'number', step: 0.1, group: 'more' },
  { key: 'dynatemp_range', label: 'Dynamic temperature range', kind: 'number', step: 0.05, min: 0, group: 'more' },
  { key: 'dynatemp_exponent', label: 'Dynamic temperature exponent', kind: 'number', step: 0.1, min: 0, group: 'more' },
  { key: 'top_n_sigma', label: 'Top-nσ', kind: 'number', step: 0.1, group: 'more', help: '-1 = off.' },
  { key: 'xtc_probability', label: 'XTC probability', kind: 'number', step: 0.05, min: 0, max: 1, group: 'more' },
  { key: 'xtc_threshold', label: 'XTC threshold', kind: 'number', step: 0.05, min: 0, max: 1, group: 'more' },
  { key: 'mirostat', label: 'Mirostat', kind: 'choice', choices: [[0, 'off'], [1, 'Mirostat'], [2, 'Mirostat 2.0']], group: 'more' },
  { key: 'mirostat_tau', label: 'Mirostat τ', kind: 'number', step: 0.1, min: 0, group: 'more' },
  { key: 'mirostat_eta', label: 'Mirostat η', kind: 'number', step: 0.01, min: 0, group: 'more' },
  { key: 'dry_multiplier', label: 'DRY multiplier', kind: 'number', step: 0.1, min: 0, group: 'more' },
  { key: 'dry_base', label: 'DRY base', kind: 'number', step: 0.05, min: 0, group: 'more' },
  { key: 'dry_allowed_length', label: 'DRY allowed length', kind: 'int', min: 0, group: 'more' },
  { key: 'dry_penalty_last_n', label: 'DRY penalty last n', kind: 'int', min: -1, group: 'more' },
  { key: 'n_probs', label: 'Token probabilities', kind: 'int', min: 0, max: 20, group: 'completion',
    help: 'Completion mode: show this many candidates for each generated token (0 = off).' },
];

export const DEFAULT_SETTINGS = {
  apiKey: '',
  systemMessage: '',
  theme: 'auto', // auto | light | dark
  mode: 'chat', // chat | completion
  overrides: {}, // sampling field -> value, only where the user changed it
  samplers: '', // ';'-separated sampler order ('' = the server's)
  extraJson: '', // more request fields, as a JSON object
  showLive: false,
  model: '', // the model requests name, on a server with several (router mode); '' = the only one
};

function savedSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || '{}');
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
  } catch {
    return {};
  }
}

export function loadSettings() {
  const saved = savedSettings();
  return { ...DEFAULT_SETTINGS, ...saved, overrides: { ...(saved.overrides || {}) } };
}

// The server's defaults for this UI (GET /props `ui_settings`, from --ui-config): llama-server's
// web UI setting names, those that mean the same here, as this UI's settings. Unknown names and
// values of the wrong type are skipped.
const SERVER_SAMPLING_NAMES = { max_tokens: 'n_predict', typ_p: 'typical_p' };
const THEMES = { system: 'auto', auto: 'auto', light: 'light', dark: 'dark' };

export function settingsFromServer(ui) {
  const out = { overrides: {} };
  if (!ui || typeof ui !== 'object' || Array.isArray(ui)) return out;
  if (typeof ui.apiKey === 'string') out.apiKey = ui.apiKey;
  if (typeof ui.systemMessage === 'string') out.systemMessage = ui.systemMessage;
  if (typeof ui.theme === 'string' && THEMES[ui.theme]) out.theme = THEMES[ui.theme];
  if (typeof ui.samplers === 'string') out.samplers = ui.samplers;
  if (typeof ui.custom === 'string') out.extraJson = ui.custom;
  else if (ui.custom && typeof ui.custom === 'object' && !Array.isArray(ui.custom)) out.extraJson = JSON.stringify(ui.custom);
  for (const [name, raw] of Object.entries(ui)) {
    const key = SERVER_SAMPLING_NAMES[name] || name;
    const field = SAMPLING_FIELDS.find((f) => f.key === key);
    if (!field || raw === '' || raw === null) continue;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    if (Number.isFinite(value)) out.overrides[key] = field.kind === 'number' ? value : Math.trunc(value);
  }
  return out;
}

// `settings` with the server's defaults (settingsFromServer()) wherever this browser has saved
// nothing of its own: a setting the user chose always wins over the server's default.
export function withServerDefaults(settings, ui) {
  const fromServer = settingsFromServer(ui);
  const saved = savedSettings();
  const savedOverrides = saved.overrides || {};
  const next = { ...settings, overrides: { ...settings.overrides } };
  for (const [key, value] of Object.entries(fromServer)) {
    if (key !== 'overrides' && !(key in saved)) next[key] = value;
  }
  for (const [key, value] of Object.entries(fromServer.overrides)) {
    if (!(key in savedOverrides)) next.overrides[key] = value;
  }
  return next;
}

export function saveSettings(settings) {
  try {
    localStorage.setItem(KEY, JSON.stringify(settings));
  } catch { /* storage full or off: settings last for this page only */ }
}

// Parses the extra-fields box; returns { value } or { error }.
export function parseExtraJson(text) {
  if (!text || !text.trim()) return { value: {} };
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'must be a JSON object' };
    return { value };
  } catch (e) {
    return { error: e.message };
  }
}

// The request fields the settings add: the overrides, the sampler order and the extra fields.
function commonParams(settings) {
  const params = {};
  for (const field of SAMPLING_FIELDS) {
    const v = settings.overrides[field.key];
    if (v !== undefined && v !== null && v !== '' && !Number.isNaN(v)) params[field.key] = v;
  }
  const samplers = settings.samplers.split(/[;,\s]+/).filter(Boolean);
  if (samplers.length) params.samplers = samplers;
  if (settings.model) params.model = settings.model;
  return { ...params, ...(parseExtraJson(settings.extraJson).value || {}) };
}

// Fields for POST /v1/chat/completions. The reply limit is max_tokens there; n_probs is for
// completion mode only.
export function chatParams(settings) {
  const params = commonParams(settings);
  if (params.n_predict !== undefined) {
    if (params.n_predict >= 0) params.max_tokens = params.n_predict;
    delete params.n_predict;
  }
  delete params.n_probs;
  return params;
}

// Fields for POST /completion.
export function completionParams(settings) {
  return commonParams(settings);
}
