// Completion mode: a raw prompt, continued by POST /completion. With "Token probabilities" set
// (n_probs), each generated token is tinted by its probability and shows its candidates on hover,
// focus or tap.
import { useEffect, useRef, useState } from 'preact/hooks';
import { streamCompletion } from '../api.js';
import { completionParams } from '../settings.js';
import { SendIcon, StopIcon } from './icons.jsx';

const PROMPT_KEY = 'cria.completion.prompt';

function probabilityClass(p) {
  if (p >= 0.9) return 'p-high';
  if (p >= 0.5) return 'p-mid';
  if (p >= 0.2) return 'p-low';
  return 'p-vlow';
}

function visible(text) {
  return text.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '␣');
}

function ProbabilityPopover({ token, anchor }) {
  if (!token || !anchor) return null;
  const width = 240;
  const left = Math.max(8, Math.min(anchor.left, window.innerWidth - width - 8));
  const below = anchor.bottom + 6;
  const style = below + 220 < window.innerHeight ? { top: `${below}px` } : { bottom: `${window.innerHeight - anchor.top + 6}px` };
  return (
    <div class="prob-popover" role="tooltip" style={{ ...style, left: `${left}px`, width: `${width}px` }} data-testid="prob-popover">
      {token.probs.map((c) => (
        <div key={c.id} class={`prob-row${c.id === token.id ? ' chosen' : ''}`}>
          <code>{visible(c.tok_str)}</code>
          <span class="prob-bar"><span style={{ width: `${(c.prob * 100).toFixed(1)}%` }} /></span>
          <span class="prob-value">{(c.prob * 100).toFixed(1)}%</span>
        </div>
      ))}
    </div>
  );
}

export function CompletionView({ settings, onSettingsChange, apiKey, props, onError }) {
  const [prompt, setPrompt] = useState(() => localStorage.getItem(PROMPT_KEY) || '');
  const [tokens, setTokens] = useState([]); // { text, id?, prob?, probs? }
  const [busy, setBusy] = useState(false);
  const [stats, setStats] = useState(null);
  const [hover, setHover] = useState(null); // { index, anchor }
  const controller = useRef(null);

  useEffect(() => {
    try { localStorage.setItem(PROMPT_KEY, prompt); } catch { /* full */ }
  }, [prompt]);
  useEffect(() => () => controller.current && controller.current.abort(), []);
  useEffect(() => {
    const stop = (e) => { if (e.key === 'Escape' && controller.current) controller.current.abort(); };
    window.addEventListener('keydown', stop);
    return () => window.removeEventListener('keydown', stop);
  }, []);

  const nProbs = settings.overrides.n_probs ?? 0;

  const generate = async () => {
    if (busy || !prompt) return;
    const ctl = new AbortController();
    controller.current = ctl;
    setBusy(true);
    setTokens([]);
    setStats(null);
    setHover(null);
    const started = performance.now();
    let first = null;
    let pending = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const add = pending;
      pending = [];
      setTokens((t) => t.concat(add));
    };
    let final = null;
    try {
      final = await streamCompletion({
        prompt,
        params: completionParams(settings),
        apiKey,
        signal: ctl.signal,
        onToken: ({ content, probs }) => {
          if (first === null) first = performance.now();
          if (probs && probs.length) {
            for (const p of probs) pending.push({ text: p.content, id: p.id, prob: p.prob, probs: p.probs });
          } else if (content) {
            pending.push({ text: content });
          }
          if (!frame) frame = requestAnimationFrame(flush);
        },
      });
    } catch (e) {
      onError(e.message);
    } finally {
      if (frame) cancelAnimationFrame(frame);
      flush();
      const seconds = first !== null ? (performance.now() - first) / 1000 : 0;
      const timings = final && final.timings;
      setStats({
        predicted: final ? final.tokens_predicted : null,
        prompt: final ? final.tokens_evaluated : null,
        tokensPerSecond: timings && timings.predicted_per_second ? timings.predicted_per_second : null,
        contextSize: props ? props.n_ctx_slot || (props.default_generation_settings || {}).n_ctx : null,
        stopped: !final,
        seconds,
        started,
      });
      controller.current = null;
      setBusy(false);
    }
  };

  const generated = tokens.map((t) => t.text).join('');
  const withProbs = tokens.some((t) => t.probs);
  const hovered = hover && tokens[hover.index];

  return (
    <div class="completion-view">
      <div class="completion-card">
        <label class="completion-label" for="completion-prompt">Prompt</label>
        <textarea id="completion-prompt" class="completion-prompt mono" value={prompt} data-testid="completion-prompt"
          placeholder="Once upon a time" onInput={(e) => setPrompt(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); generate(); } }} />
        <div class="completion-controls">
          <label class="inline-field" title="Candidates shown for each generated token (n_probs)">
            Probabilities
            <input type="number" min={0} max={20} value={nProbs} data-testid="completion-n-probs"
              onInput={(e) => {
                const n = parseInt(e.currentTarget.value, 10);
                const overrides = { ...settings.overrides };
                if (Number.isNaN(n) || n <= 0) delete overrides.n_probs; else overrides.n_probs = Math.min(20, n);
                onSettingsChange({ overrides });
              }} />
          </label>
          <span class="spacer" />
          {generated && !busy && (
            <button type="button" class="button ghost" onClick={() => { setPrompt(prompt + generated); setTokens([]); setStats(null); }}>
              Append to prompt</button>
          )}
          {busy ? (
            <button type="button" class="button danger" onClick={() => controller.current && controller.current.abort()}
              data-testid="completion-stop"><StopIcon size={15} /> Stop</button>
          ) : (
            <button type="button" class="button primary" onClick={generate} disabled={!prompt}
              data-testid="completion-generate" title="Generate (Ctrl+Enter)"><SendIcon size={15} /> Generate</button>
          )}
        </div>
      </div>
      {(tokens.length > 0 || busy) && (
        <div class="completion-card output" aria-live="polite">
          <div class="completion-label">Continuation</div>
          <div class="completion-output mono" data-testid="completion-output" onMouseLeave={() => setHover(null)}>
            {withProbs
              ? tokens.map((t, i) => (
                <span key={i} class={`tok ${t.probs ? probabilityClass(t.prob) : ''}`} tabIndex={t.probs ? 0 : undefined}
                  data-testid="token" onMouseEnter={(e) => t.probs && setHover({ index: i, anchor: e.currentTarget.getBoundingClientRect() })}
                  onFocus={(e) => t.probs && setHover({ index: i, anchor: e.currentTarget.getBoundingClientRect() })}
                  onBlur={() => setHover(null)}>{t.text}</span>
              ))
              : generated}
            {busy && <span class="cursor" />}
          </div>
          {stats && (
            <div class="stats">
              {[stats.predicted != null && `${stats.predicted} tokens`,
                stats.tokensPerSecond && `${stats.tokensPerSecond.toFixed(1)} t/s`,
                stats.prompt != null && stats.contextSize && `context ${stats.prompt + (stats.predicted || 0)}/${stats.contextSize}`,
                stats.stopped && 'stopped'].filter(Boolean).join(' · ')}
            </div>
          )}
        </div>
      )}
      {hovered && hovered.probs && <ProbabilityPopover token={hovered} anchor={hover.anchor} />}
    </div>
  );
}
