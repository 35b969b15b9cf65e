// One streamed request (server-sent events) for the benchmarks of bench/rpc and bench/affinity:
// time to the first token, token events, total time. Works for /completion (native events) and
// /v1/chat/completions (OpenAI chunks). Loopback only; bounded by timeoutMs.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

function tokenIn(event) {
  if (typeof event.content === 'string' && !event.stop) return event.content.length > 0 || (event.tokens ?? []).length > 0;
  const delta = event.choices?.[0]?.delta;
  return typeof delta?.content === 'string' && delta.content.length > 0;
}

export function streamRequest({ port, path, body, headers = {}, timeoutMs = 120000 }) {
  return new Promise((resolve) => {
    const rec = { start: performance.now(), ttftMs: null, totalMs: null, tokens: 0, error: null, servedBy: null };
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      rec.totalMs = performance.now() - rec.start;
      if (error) rec.error = String(error.message || error);
      resolve(rec);
    };
    const data = Buffer.from(JSON.stringify({ ...body, stream: true }));
    const req = http.request({
      host: '127.0.0.1', port, path, method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers },
    }, (res) => {
      rec.servedBy = res.headers['x-served-by'] ?? null;
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => finish(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`)));
        return;
      }
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of frame.split('\n')) {
            if (!line.startsWith('data: ') || line.includes('[DONE]')) continue;
            let event;
            try { event = JSON.parse(line.slice(6)); } catch { continue; }
            if (event.error) rec.error = JSON.stringify(event.error);
            if (tokenIn(event)) {
              if (rec.ttftMs === null) rec.ttftMs = performance.now() - rec.start;
              rec.tokens += 1;
            }
          }
        }
      });
      res.on('end', () => finish(rec.error ? new Error(rec.error) : null));
      res.on('error', finish);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', finish);
    req.end(data);
  });
}

export function percentile(values, p) {  // nearest rank
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

// A counter from a Prometheus text (/metrics), e.g. 'llamacpp:prompt_tokens_total'.
export async function metric(port, name) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
}
