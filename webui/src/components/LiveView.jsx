// A small live view of the server: its slots (from /slots) and its throughput (from /metrics and
// /slots), polled once a second while the panel is open, drawn as a chart of the last minute.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getMetrics, getSlots } from '../api.js';
import { CloseIcon } from './icons.jsx';

const HISTORY = 60;

// Tokens generated so far: finished requests (from /metrics) plus the running ones (from /slots).
// The difference between two polls is what was generated in between, whether or not a request
// finished meanwhile.
function generatedSoFar(metrics, slots) {
  let total = metrics ? metrics.tokens_predicted_total || 0 : 0;
  if (slots) for (const s of slots) if (s.is_processing) total += s.n_decoded || 0;
  return total;
}

function Chart({ points }) {
  const width = 300;
  const height = 84;
  const peak = Math.max(1, ...points.map((p) => Math.max(p.gen, p.prompt)));
  const line = (key) => points.map((p, i) => {
    const x = (i + HISTORY - points.length) * (width / (HISTORY - 1));
    const y = height - 4 - (p[key] / peak) * (height - 10);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  }).join(' ');
  const last = points[points.length - 1] || { gen: 0, prompt: 0 };
  return (
    <figure class="chart" data-testid="live-chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img"
        aria-label={`Throughput over the last minute; now ${last.gen.toFixed(0)} generated tokens per second`}>
        <line x1="0" x2={width} y1={height - 4} y2={height - 4} class="axis" />
        <line x1="0" x2={width} y1="6" y2="6" class="grid" />
        {points.length > 1 && (
          <polygon class="area gen"
            points={`${line('gen').split(' ')[0].split(',')[0]},${height - 4} ${line('gen')} ${width},${height - 4}`} />
        )}
        {points.length > 1 && <polyline points={line('prompt')} class="series prompt" />}
        {points.length > 1 && <polyline points={line('gen')} class="series gen" />}
      </svg>
      <figcaption>
        <span class="legend gen">generated {last.gen.toFixed(1)} t/s</span>
        <span class="legend prompt">prompt {last.prompt.toFixed(1)} t/s</span>
        <span class="peak">peak {peak.toFixed(0)}</span>
      </figcaption>
    </figure>
  );
}

export function LiveView({ available, apiKey, onClose }) {
  const [slots, setSlots] = useState(null);
  const [metrics, setMetrics] = useState(null);
  const [points, setPoints] = useState([]);
  const [error, setError] = useState(null);
  const previous = useRef(null);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const [s, m] = await Promise.all([
          available.slots ? getSlots(apiKey) : null,
          available.metrics ? getMetrics(apiKey) : null,
        ]);
        if (stopped) return;
        const now = performance.now();
        const sample = { now, generated: generatedSoFar(m, s), prompt: m ? m.prompt_tokens_total || 0 : 0 };
        const before = previous.current;
        previous.current = sample;
        if (before) {
          const dt = Math.max(0.001, (now - before.now) / 1000);
          const point = {
            gen: Math.max(0, (sample.generated - before.generated) / dt),
            prompt: Math.max(0, (sample.prompt - before.prompt) / dt),
          };
          setPoints((p) => p.concat([point]).slice(-HISTORY));
        }
        setSlots(s);
        setMetrics(m);
        setError(null);
      } catch (e) {
        if (!stopped) setError(e.message);
      }
    };
    poll();
    const timer = setInterval(poll, 1000);
    return () => { stopped = true; clearInterval(timer); };
  }, [available.slots, available.metrics, apiKey]);

  return (
    <section class="live-view" aria-label="Server activity" data-testid="live-view">
      <header>
        <h2>Server</h2>
        {metrics && (
          <span class="live-summary">
            {metrics.requests_processing ?? 0} running · {metrics.requests_deferred ?? 0} waiting ·
            {' '}{metrics.requests_total ?? 0} done · KV {((metrics.kv_cache_usage_ratio || 0) * 100).toFixed(0)}%
          </span>
        )}
        <button type="button" class="icon-button small" onClick={onClose} aria-label="Close the live view"><CloseIcon size={14} /></button>
      </header>
      <Chart points={points} />
      {slots && (
        <ul class="slots" data-testid="live-slots">
          {slots.map((s) => (
            <li key={s.id} class={s.is_processing ? 'busy' : 'idle'}>
              <span class="slot-dot" aria-hidden="true" />
              <span class="slot-name">slot {s.id}</span>
              <span class="slot-state">{s.is_processing ? `generating · ${s.n_decoded} tokens` : 'idle'}</span>
              <span class="slot-bar" title={`${s.n_cached} of ${s.n_ctx} context tokens cached`}>
                <span style={{ width: `${Math.min(100, (100 * (s.n_cached || 0)) / (s.n_ctx || 1)).toFixed(1)}%` }} />
              </span>
            </li>
          ))}
        </ul>
      )}
      {error && <p class="live-error">{error}</p>}
    </section>
  );
}
