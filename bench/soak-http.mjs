// The soak's HTTP client: one request on its own loopback connection (or on a keep-alive agent
// the caller owns), with the ways a hostile client ends it early. It never rejects: every ending,
// including the errors, is described in the result, so the caller decides what was expected.
//
//   result = {
//     status, headers,         // null when no response head arrived
//     body,                    // parsed JSON, else the text (whole responses)
//     streamed, events, done,  // streams (a 200 as text/event-stream): the parsed `data:` events, and whether it ended
//                              //   with its final event (`stop: true` or `[DONE]`)
//     complete,                // the whole response was received
//     cut, aborted, held,      // the client ended it on purpose (see the options)
//     error,                   // { kind: 'reset' | 'refused' | 'timeout' | 'client', message } or null
//   }
//
// Options: method, path, headers, body (string or Buffer; objects are sent as JSON), stream (parse
// SSE), cutAfterEvents (destroy the socket after that many events), abortAfterMs (destroy the
// request after that delay unless it completed), timeoutMs (the hang detector), agent.
import http from 'node:http';
import net from 'node:net';

const MAX_TEXT = 1 << 20;  // keep at most 1 MiB of a response's text (no route here answers more)

export function request(port, opts) {
  return new Promise((resolve) => {
    const r = {
      status: null, headers: null, body: null, streamed: false, events: [], done: false, complete: false,
      cut: false, aborted: false, held: false, error: null,
    };
    let settled = false;
    let abortTimer = null;
    let hangTimer = null;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(abortTimer);
      clearTimeout(hangTimer);
      resolve(r);
    };
    const raw = opts.body === undefined ? null
      : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    const headers = { ...(raw !== null && !opts.headers?.['Content-Type'] ? { 'Content-Type': 'application/json' } : {}),
      ...(opts.headers || {}) };
    if (raw !== null) headers['Content-Length'] = Buffer.byteLength(raw);
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path, method: opts.method || (raw === null ? 'GET' : 'POST'),
      headers, agent: opts.agent ?? false,
    }, (res) => {
      r.status = res.statusCode;
      r.headers = res.headers;
      res.setEncoding('utf8');
      let text = '';
      let sse = '';
      const streaming = opts.stream && res.statusCode === 200 &&
        String(res.headers['content-type'] || '').startsWith('text/event-stream');
      r.streamed = streaming;
      res.on('data', (chunk) => {
        if (!streaming) {
          if (text.length < MAX_TEXT) text += chunk;
          return;
        }
        sse += chunk;
        let cut;
        while ((cut = sse.indexOf('\n\n')) >= 0) {
          const frame = sse.slice(0, cut);
          sse = sse.slice(cut + 2);
          onFrame(frame);
          if (r.cut || settled) return;
        }
      });
      const onFrame = (frame) => {
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const payload = line.slice(6).trim();
          if (payload === '[DONE]') {
            r.done = true;
            continue;
          }
          let event;
          try {
            event = JSON.parse(payload);
          } catch {
            event = { unparsable: payload.slice(0, 200) };
          }
          r.events.push(event);
          if (event.stop === true) r.done = true;
          if (opts.cutAfterEvents && r.events.length >= opts.cutAfterEvents && !r.done) {
            r.cut = true;
            req.destroy();
            settle();
            return;
          }
        }
      };
      res.on('end', () => {
        if (!streaming) {
          try {
            r.body = JSON.parse(text);
          } catch {
            r.body = text;
          }
        } else if (sse.trim()) {
          onFrame(sse);
        }
        r.complete = true;
        settle();
      });
      res.on('error', (e) => fail(e));
      res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    });
    const fail = (e) => {
      if (settled || r.cut || r.aborted) return settle();
      if (r.complete) return settle();
      r.error = describe(e);
      settle();
    };
    req.on('error', fail);
    hangTimer = setTimeout(() => {
      if (settled) return;
      r.error = { kind: 'timeout', message: `no complete answer within ${opts.timeoutMs} ms` };
      req.destroy();
      settle();
    }, opts.timeoutMs);
    if (opts.abortAfterMs !== undefined) {
      abortTimer = setTimeout(() => {
        if (settled) return;
        r.aborted = true;
        req.destroy();
        settle();
      }, opts.abortAfterMs);
    }
    req.end(raw === null ? undefined : raw);
  });
}

function describe(e) {
  const code = e?.code || '';
  const message = `${code ? `${code}: ` : ''}${e?.message || e}`;
  if (code === 'ECONNREFUSED') return { kind: 'refused', message };
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(message)) return { kind: 'reset', message };
  return { kind: 'client', message };
}

// A raw TCP connection that sends `prefix` (maybe nothing, or the start of a request) and then
// holds the socket for `holdMs` before destroying it: an idle or stalled client. Resolves with
// { held: true } when the client closed it as planned, or { closedByServer: true } when the
// server closed it first (its idle timeout), or { error } when the connection failed.
export function holdSocket(port, prefix, holdMs) {
  return new Promise((resolve) => {
    let settled = false;
    const out = { held: false, closedByServer: false, error: null, response: '' };
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const socket = net.connect(port, '127.0.0.1', () => {
      if (prefix) socket.write(prefix);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d) => { if (out.response.length < 4096) out.response += d; });
    socket.on('end', () => { out.closedByServer = true; done(); });
    socket.on('close', () => { if (!settled) { out.closedByServer = true; done(); } });
    socket.on('error', (e) => { if (!settled) { out.error = describe(e); done(); } });
    const timer = setTimeout(() => { out.held = true; done(); }, holdMs);
  });
}

// A few requests in a row on one keep-alive connection (the agent is the caller's, destroyed by it).
export function keepAliveAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}
