// The app: header, conversation list, chat or completion mode, settings, live view.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getModels, getProps, isAvailable, streamChat } from './api.js';
import { onMathReady, splitThinking } from './markdown.js';
import { chatParams, loadSettings, saveSettings, withServerDefaults } from './settings.js';
import {
  deleteConversation, exportDocument, loadConversations, newId, parseImport, saveConversation, titleFor,
} from './storage.js';
import { ChatView } from './components/ChatView.jsx';
import { CompletionView } from './components/CompletionView.jsx';
import { LiveView } from './components/LiveView.jsx';
import { SettingsDialog } from './components/SettingsDialog.jsx';
import { Sidebar } from './components/Sidebar.jsx';
import { AutoIcon, ChatIcon, GearIcon, MenuIcon, MoonIcon, PulseIcon, SunIcon, TextIcon } from './components/icons.jsx';

const SAVE_EVERY_MS = 1000; // while a reply streams, it is saved this often (and at its end)

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

// data-theme: what the user picked ('auto' leaves it out); data-scheme: what the CSS draws.
function applyTheme(theme) {
  const root = document.documentElement;
  const picked = theme === 'light' || theme === 'dark';
  if (picked) root.dataset.theme = theme;
  else delete root.dataset.theme;
  root.dataset.scheme = picked ? theme : systemDark.matches ? 'dark' : 'light';
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The messages sent for a reply: the system message, then the conversation up to (not including)
// the reply being written. Earlier replies go back without their reasoning.
function requestMessages(systemMessage, messages) {
  const out = [];
  if (systemMessage.trim()) out.push({ role: 'system', content: systemMessage });
  for (const m of messages) {
    if (m.error && !m.content) continue;
    out.push({ role: m.role, content: m.role === 'assistant' ? splitThinking(m.content).content : m.content });
  }
  return out;
}

export function App() {
  const [settings, setSettingsState] = useState(loadSettings);
  const [props, setProps] = useState(null);
  const [models, setModels] = useState([]); // a router's models (GET /v1/models); the picker shows with 2+
  const [serverError, setServerError] = useState(null);
  const [conversations, setConversations] = useState(loadConversations);
  const [currentId, setCurrentId] = useState(() => (loadConversations()[0] || {}).id || null);
  const [streaming, setStreaming] = useState(null); // { conversationId, messageId }
  const [draft, setDraft] = useState('');
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [live, setLive] = useState({ slots: false, metrics: false });
  const [toast, setToast] = useState(null);
  const [, setMathVersion] = useState(0);

  const conversationsRef = useRef(conversations);
  const controller = useRef(null);
  const lastSave = useRef(0);
  const serverDefaultsApplied = useRef(false);

  const notify = useCallback((text) => {
    setToast(text);
    setTimeout(() => setToast((t) => (t === text ? null : t)), 5000);
  }, []);

  // `change`: the fields to set, or a function of the current settings that returns them.
  const setSettings = useCallback((change) => {
    setSettingsState((s) => {
      const next = { ...s, ...(typeof change === 'function' ? change(s) : change) };
      saveSettings(next);
      return next;
    });
  }, []);

  useEffect(() => {
    applyTheme(settings.theme);
    // In 'auto', follow the system when it switches while the page is open.
    const follow = () => applyTheme(settings.theme);
    systemDark.addEventListener('change', follow);
    return () => systemDark.removeEventListener('change', follow);
  }, [settings.theme]);
  useEffect(() => onMathReady(() => setMathVersion((v) => v + 1)), []);

  // The server: its defaults, then which monitoring routes it offers. Retried while it loads.
  useEffect(() => {
    let cancelled = false;
    let timer = 0;
    const connect = async () => {
      try {
        // A router serves several models: requests name the chosen one (a loaded one at first).
        const list = await getModels(settings.apiKey);
        if (cancelled) return;
        setModels(list);
        let model = '';
        if (list.length > 1) {
          model = list.some((m) => m.id === settings.model) ? settings.model
            : (list.find((m) => m.status && m.status.value === 'loaded')
              || list.find((m) => !m.status || m.status.value !== 'failed') || list[0]).id;
        }
        if (model !== settings.model) {
          setSettings({ model });
          return; // this effect runs again for the new model
        }
        const p = await getProps(settings.apiKey, model);
        if (cancelled) return;
        setProps(p);
        // The server's defaults for this UI (--ui-config), once per page, under what the user
        // saved (written to this browser only once the user changes a setting).
        if (!serverDefaultsApplied.current && p.ui_settings) {
          serverDefaultsApplied.current = true;
          setSettingsState((s) => withServerDefaults(s, p.ui_settings));
        }
        setServerError(null);
        // /props says which monitoring routes are on (endpoint_slots, endpoint_metrics): asking a
        // route that is off would only log a 501 in the console. Servers that do not say are probed.
        const offered = (flag, path) => (typeof flag === 'boolean' ? flag : isAvailable(path, settings.apiKey));
        const [slots, metrics] = await Promise.all([offered(p.endpoint_slots, 'slots'), offered(p.endpoint_metrics, 'metrics')]);
        if (!cancelled) setLive({ slots, metrics });
      } catch (e) {
        if (cancelled) return;
        setServerError(e.status === 401 ? 'The server wants an API key: enter it in the settings.' : e.message);
        timer = setTimeout(connect, e.status === 503 ? 1000 : 3000);
      }
    };
    connect();
    return () => { cancelled = true; clearTimeout(timer); };
  }, [settings.apiKey, settings.model, setSettings]);

  // ---- conversations ----

  const commit = useCallback((next) => {
    conversationsRef.current = next;
    setConversations(next);
  }, []);

  const updateConversation = useCallback((id, change, persist) => {
    let changed = null;
    const next = conversationsRef.current.map((c) => {
      if (c.id !== id) return c;
      changed = { ...c, ...change(c), updated: Date.now() };
      return changed;
    });
    commit(next);
    if (changed && persist) {
      const problem = saveConversation(changed);
      if (problem) notify(problem);
    }
  }, [commit, notify]);

  const current = conversations.find((c) => c.id === currentId) || null;

  const startConversation = useCallback(() => {
    const c = { id: newId(), title: 'New chat', created: Date.now(), updated: Date.now(), messages: [] };
    commit([c, ...conversationsRef.current]);
    setCurrentId(c.id);
    return c;
  }, [commit]);

  // Streams the assistant message `messageId` (already in the conversation, empty) from the
  // messages before it.
  const runReply = useCallback(async (conversationId, messageId) => {
    const conversation = conversationsRef.current.find((c) => c.id === conversationId);
    const index = conversation.messages.findIndex((m) => m.id === messageId);
    const history = requestMessages(settings.systemMessage, conversation.messages.slice(0, index));
    const ctl = new AbortController();
    controller.current = ctl;
    setStreaming({ conversationId, messageId });

    let content = '';
    let reasoning = '';
    let first = null;
    let pieces = 0;
    let frame = 0;
    const started = performance.now();
    const patch = (fields, persist) => updateConversation(conversationId, (c) => ({
      messages: c.messages.map((m) => (m.id === messageId ? { ...m, ...fields } : m)),
    }), persist);
    const flush = () => {
      frame = 0;
      const now = Date.now();
      const persist = now - lastSave.current > SAVE_EVERY_MS;
      if (persist) lastSave.current = now;
      patch({ content, reasoning }, persist);
    };

    let result = { usage: null, finishReason: null };
    let error = null;
    try {
      result = await streamChat({
        messages: history,
        params: chatParams(settings),
        apiKey: settings.apiKey,
        signal: ctl.signal,
        onDelta: (d) => {
          if (first === null) first = performance.now();
          pieces += 1;
          content += d.content;
          reasoning += d.reasoning;
          if (!frame) frame = requestAnimationFrame(flush);
        },
      });
    } catch (e) {
      error = e.message;
    }
    if (frame) cancelAnimationFrame(frame);
    const ended = performance.now();
    const usage = result.usage || {};
    const completionTokens = usage.completion_tokens ?? (pieces || null);
    const generating = first !== null ? (ended - first) / 1000 : 0;
    const timings = usage.timings;
    const stats = {
      completionTokens,
      promptTokens: usage.prompt_tokens ?? null,
      tokensPerSecond: timings && timings.predicted_per_second
        ? timings.predicted_per_second
        : completionTokens > 1 && generating > 0 ? (completionTokens - 1) / generating : null,
      contextUsed: usage.prompt_tokens != null ? usage.prompt_tokens + (usage.completion_tokens || 0) : null,
      contextSize: props ? props.n_ctx_slot || (props.default_generation_settings || {}).n_ctx : null,
      firstTokenMs: first !== null ? Math.round(first - started) : null,
      finishReason: ctl.signal.aborted ? 'stopped' : result.finishReason,
    };
    patch({ content, reasoning, stats, error: error || undefined }, true);
    lastSave.current = 0;
    controller.current = null;
    setStreaming(null);
  }, [settings, props, updateConversation]);

  const send = useCallback((text) => {
    if (streaming) return;
    const conversation = current || startConversation();
    const user = { id: newId(), role: 'user', content: text };
    const reply = { id: newId(), role: 'assistant', content: '' };
    updateConversation(conversation.id, (c) => {
      const messages = [...c.messages, user, reply];
      return { messages, title: c.messages.length === 0 ? titleFor(messages) : c.title };
    }, true);
    setDraft('');
    runReply(conversation.id, reply.id);
  }, [streaming, current, startConversation, updateConversation, runReply]);

  const stop = useCallback(() => {
    if (controller.current) controller.current.abort();
  }, []);

  const regenerate = useCallback((messageId) => {
    if (streaming || !current) return;
    const reply = { id: newId(), role: 'assistant', content: '' };
    updateConversation(current.id, (c) => ({
      messages: [...c.messages.filter((m) => m.id !== messageId), reply],
    }), true);
    runReply(current.id, reply.id);
  }, [streaming, current, updateConversation, runReply]);

  const editAndResend = useCallback((messageId, text) => {
    if (streaming || !current) return;
    const reply = { id: newId(), role: 'assistant', content: '' };
    updateConversation(current.id, (c) => {
      const index = c.messages.findIndex((m) => m.id === messageId);
      const messages = [...c.messages.slice(0, index), { ...c.messages[index], content: text }, reply];
      return { messages, title: index === 0 ? titleFor(messages) : c.title };
    }, true);
    runReply(current.id, reply.id);
  }, [streaming, current, updateConversation, runReply]);

  const remove = useCallback((id) => {
    const c = conversationsRef.current.find((x) => x.id === id);
    if (!c || !window.confirm(`Delete “${c.title}”?`)) return;
    if (streaming && streaming.conversationId === id) stop();
    deleteConversation(id);
    const next = conversationsRef.current.filter((x) => x.id !== id);
    commit(next);
    if (currentId === id) setCurrentId(next[0] ? next[0].id : null);
  }, [streaming, stop, commit, currentId]);

  const exportConversations = useCallback((list) => {
    const name = list.length === 1 ? `cria-${list[0].title.replace(/[^\w-]+/g, '-').slice(0, 40)}.json` : 'cria-conversations.json';
    download(name, exportDocument(list));
  }, []);

  const importConversations = useCallback((text) => {
    try {
      const imported = parseImport(text, conversationsRef.current.map((c) => c.id));
      for (const c of imported) {
        const problem = saveConversation(c);
        if (problem) throw new Error(problem);
      }
      commit([...imported, ...conversationsRef.current]);
      if (imported[0]) setCurrentId(imported[0].id);
      notify(`Imported ${imported.length} conversation${imported.length === 1 ? '' : 's'}.`);
    } catch (e) {
      notify(`Import failed: ${e.message}`);
    }
  }, [commit, notify]);

  // ---- keyboard ----

  useEffect(() => {
    const onKey = (e) => {
      if (e.key === 'Escape' && controller.current && !settingsOpen) {
        e.preventDefault();
        stop();
      } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && (e.key === 'O' || e.key === 'o')) {
        e.preventDefault();
        if (!streaming) { startConversation(); setSettings({ mode: 'chat' }); }
      } else if ((e.ctrlKey || e.metaKey) && e.key === ',') {
        e.preventDefault();
        setSettingsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [settingsOpen, streaming, stop, startConversation, setSettings]);

  const nextTheme = (theme) => ({ auto: 'light', light: 'dark', dark: 'auto' }[theme] || 'auto');
  const themeNext = nextTheme(settings.theme);
  const ThemeIcon = settings.theme === 'light' ? SunIcon : settings.theme === 'dark' ? MoonIcon : AutoIcon;
  // The alias, or the model file's name without its folders.
  const modelName = props ? String(props.model_alias || (props.default_generation_settings || {}).model || '').split('/').pop() : null;
  const liveAvailable = live.slots || live.metrics;
  const mode = settings.mode === 'completion' ? 'completion' : 'chat';

  return (
    <div class={`app${sidebarOpen ? ' sidebar-open' : ''}`}>
      <Sidebar conversations={conversations} currentId={mode === 'chat' ? currentId : null} open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onSelect={(id) => { setCurrentId(id); setSidebarOpen(false); setSettings({ mode: 'chat' }); }}
        onNew={() => { if (!streaming) startConversation(); setSidebarOpen(false); setSettings({ mode: 'chat' }); }}
        onDelete={remove} onExport={exportConversations} onImport={importConversations} />
      <div class="scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />
      <main class="main">
        <header class="topbar">
          <button type="button" class="icon-button only-narrow" onClick={() => setSidebarOpen(true)}
            aria-label="Show conversations"><MenuIcon /></button>
          <div class="brand">
            <span class="brand-name">cria</span>
            {models.length > 1 ? (
              <select class="model-picker" value={settings.model} aria-label="Model" data-testid="model-picker"
                disabled={streaming !== null} onChange={(e) => { setProps(null); setSettings({ model: e.target.value }); }}>
                {models.map((m) => {
                  const state = m.status && m.status.value;
                  return <option key={m.id} value={m.id}>{m.id}{state && state !== 'loaded' ? ` (${state})` : ''}</option>;
                })}
              </select>
            ) : modelName && <span class="model-name" title={props.model_path}>{modelName}</span>}
          </div>
          <div class="mode-switch" role="tablist" aria-label="Mode">
            <button type="button" role="tab" aria-selected={mode === 'chat'} class={mode === 'chat' ? 'active' : ''}
              onClick={() => setSettings({ mode: 'chat' })} data-testid="mode-chat"><ChatIcon size={15} /><span>Chat</span></button>
            <button type="button" role="tab" aria-selected={mode === 'completion'} class={mode === 'completion' ? 'active' : ''}
              onClick={() => setSettings({ mode: 'completion' })} data-testid="mode-completion"><TextIcon size={15} /><span>Completion</span></button>
          </div>
          <span class="spacer" />
          {liveAvailable && (
            <button type="button" class={`icon-button${settings.showLive ? ' active' : ''}`} aria-pressed={settings.showLive}
              onClick={() => setSettings((s) => ({ showLive: !s.showLive }))} title="Server activity"
              aria-label="Server activity" data-testid="live-toggle"><PulseIcon /></button>
          )}
          <button type="button" class="icon-button" onClick={() => setSettings((s) => ({ theme: nextTheme(s.theme) }))}
            title={`Theme: ${settings.theme} (switch to ${themeNext})`} aria-label={`Theme: ${settings.theme}`}
            data-testid="theme-toggle"><ThemeIcon /></button>
          <button type="button" class="icon-button" onClick={() => setSettingsOpen(true)} title="Settings (Ctrl+,)"
            aria-label="Settings" data-testid="settings-button"><GearIcon /></button>
        </header>
        {serverError && <div class="banner" role="status">{serverError}</div>}
        {settings.showLive && liveAvailable && (
          <LiveView available={live} apiKey={settings.apiKey} onClose={() => setSettings({ showLive: false })} />
        )}
        {mode === 'chat' ? (
          <ChatView conversation={current} streamingId={streaming && streaming.conversationId === currentId ? streaming.messageId : null}
            busy={streaming !== null}
            draft={draft} onDraft={setDraft} onSend={send} onStop={stop} onEdit={editAndResend} onRegenerate={regenerate}
            modelName={modelName} disabled={!props} />
        ) : (
          <CompletionView settings={settings} onSettingsChange={setSettings} apiKey={settings.apiKey} props={props} onError={notify} />
        )}
      </main>
      <SettingsDialog open={settingsOpen} settings={settings} defaults={props && props.default_generation_settings}
        onChange={setSettings} onClose={() => setSettingsOpen(false)} />
      {toast && <div class="toast" role="status" title="Dismiss" onClick={() => setToast(null)}>{toast}</div>}
    </div>
  );
}
