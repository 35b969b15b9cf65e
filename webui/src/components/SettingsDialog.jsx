// Settings, saved in this browser. Sampling fields start empty, showing the server's default
// (from /props) as their placeholder; only the ones the user fills in are sent.
import { useEffect, useRef } from 'preact/hooks';
import { SAMPLING_FIELDS, parseExtraJson } from '../settings.js';
import { CloseIcon } from './icons.jsx';

function defaultText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toFixed(4)));
  return String(value);
}

function Field({ field, value, serverDefault, onChange }) {
  const id = `setting-${field.key}`;
  const hint = field.help ? `${field.help} ` : '';
  if (field.kind === 'choice') {
    return (
      <label class="field" for={id}>
        <span class="field-label">{field.label}</span>
        <select id={id} name={field.key} value={value === undefined ? '' : String(value)}
          onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}>
          <option value="">server default ({defaultText(
            (field.choices.find(([v]) => v === serverDefault) || [null, serverDefault])[1])})</option>
          {field.choices.map(([v, text]) => <option key={v} value={String(v)}>{text}</option>)}
        </select>
      </label>
    );
  }
  return (
    <label class="field" for={id} title={`${hint}Server default: ${defaultText(serverDefault)}`}>
      <span class="field-label">{field.label}</span>
      <input id={id} name={field.key} type="number" inputMode="decimal" step={field.kind === 'int' ? 1 : field.step}
        min={field.min} max={field.max} value={value === undefined ? '' : value}
        placeholder={defaultText(serverDefault)}
        onInput={(e) => {
          const text = e.currentTarget.value;
          if (text === '') return onChange(undefined);
          const n = field.kind === 'int' ? parseInt(text, 10) : parseFloat(text);
          if (!Number.isNaN(n)) onChange(n);
        }} />
      {field.help && <span class="field-help">{field.help}</span>}
    </label>
  );
}

export function SettingsDialog({ open, settings, defaults, onChange, onClose }) {
  const dialog = useRef(null);

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  const setOverride = (key, value) => {
    const overrides = { ...settings.overrides };
    if (value === undefined) delete overrides[key];
    else overrides[key] = value;
    onChange({ overrides });
  };
  const extra = parseExtraJson(settings.extraJson);
  const group = (name) => SAMPLING_FIELDS.filter((f) => f.group === name).map((f) => (
    <Field key={f.key} field={f} value={settings.overrides[f.key]} serverDefault={defaults && defaults[f.key]}
      onChange={(v) => setOverride(f.key, v)} />
  ));

  return (
    <dialog ref={dialog} class="settings" aria-labelledby="settings-title" onClose={onClose}
      onClick={(e) => { if (e.target === dialog.current) onClose(); }} data-testid="settings-dialog">
      <form method="dialog" class="settings-form" onSubmit={(e) => { e.preventDefault(); onClose(); }}>
        <header class="settings-head">
          <h2 id="settings-title">Settings</h2>
          <button type="button" class="icon-button" onClick={onClose} aria-label="Close settings"><CloseIcon /></button>
        </header>
        <div class="settings-body">
          <section>
            <h3>Conversation</h3>
            <label class="field wide" for="setting-system">
              <span class="field-label">System message</span>
              <textarea id="setting-system" rows={3} value={settings.systemMessage}
                placeholder="You are a helpful assistant."
                onInput={(e) => onChange({ systemMessage: e.currentTarget.value })} />
            </label>
            <label class="field wide" for="setting-api-key">
              <span class="field-label">API key</span>
              <input id="setting-api-key" type="password" autocomplete="off" value={settings.apiKey}
                placeholder="only if the server was started with --api-key"
                onInput={(e) => onChange({ apiKey: e.currentTarget.value.trim() })} />
            </label>
          </section>
          <section>
            <h3>Sampling</h3>
            <p class="section-note">Empty fields use the server's defaults, shown in grey.</p>
            <div class="field-grid">{group('basic')}</div>
            <details class="more">
              <summary>More samplers</summary>
              <div class="field-grid">{group('more')}</div>
              <label class="field wide" for="setting-samplers">
                <span class="field-label">Sampler order</span>
                <input id="setting-samplers" type="text" value={settings.samplers}
                  placeholder={defaults && Array.isArray(defaults.samplers) ? defaults.samplers.join(';') : ''}
                  onInput={(e) => onChange({ samplers: e.currentTarget.value })} />
              </label>
            </details>
          </section>
          <section>
            <h3>Completion mode</h3>
            <div class="field-grid">{group('completion')}</div>
          </section>
          <section>
            <h3>Other request fields</h3>
            <label class="field wide" for="setting-extra">
              <span class="field-label">JSON object merged into every request</span>
              <textarea id="setting-extra" rows={3} class="mono" value={settings.extraJson}
                placeholder={'{"stop": ["\\n\\n"]}'} aria-invalid={extra.error ? 'true' : undefined}
                onInput={(e) => onChange({ extraJson: e.currentTarget.value })} />
              {extra.error && <span class="field-error">Not used: {extra.error}</span>}
            </label>
          </section>
          <section class="shortcuts">
            <h3>Keyboard</h3>
            <p><kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <kbd>Esc</kbd> stop ·
              {' '}<kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>O</kbd> new chat · <kbd>Ctrl</kbd>+<kbd>,</kbd> settings</p>
          </section>
        </div>
        <footer class="settings-foot">
          <button type="button" class="button ghost" onClick={() => onChange({ overrides: {}, samplers: '', extraJson: '' })}>
            Reset to server defaults</button>
          <button type="submit" class="button primary" data-testid="settings-done">Done</button>
        </footer>
      </form>
    </dialog>
  );
}
