// The server's HTTP API as the UI uses it. Every call takes the API key the user typed (if any).
// Paths are relative to the page (props, not /props), so the UI works under --api-prefix too.
import { serverSentEvents } from '../public/completion.js';

function headers(apiKey, json = false) {
  const h = {};
  if (apiKey) h.Authorization = `Bearer ${apiKey}`;
  if (json) h['Content-Type'] = 'application/json';
  return h;
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function failure(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) message = body.error.message;
  } catch { /* not JSON */ }
  return new ApiError(message, response.status);
}

// GET /props: model name, context size, default generation settings. `model` names one of a
// router's models ('' = the server's only one).
export async function getProps(apiKey, model = '') {
  const path = model ? `props?model=${encodeURIComponent(model)}` : 'props';
  const response = await fetch(path, { headers: headers(apiKey) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// GET /v1/models: the models the server offers, each { id, status: { value } } (a router lists
// several, with their states; a single-model server one). [] when the list cannot be read.
export async function getModels(apiKey) {
  try {
    const response = await fetch('v1/models', { headers: headers(apiKey) });
    if (!response.ok) return [];
    const body = await response.json();
    return Array.isArray(body.data) ? body.data : [];
  } catch {
    return [];
  }
}

// Whether a monitoring route answers (they are off unless cria was started with them).
export async function isAvailable(path, apiKey) {
  try {
    const response = await fetch(path, { headers: headers(apiKey) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function getSlots(apiKey) {
  const response = await fetch('slots', { headers: headers(apiKey) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// GET /metrics, as { name: value } for the plain (unlabelled) samples.
export async function getMetrics(apiKey) {
  const response = await fetch('metrics', { headers: headers(apiKey) });
  if (!response.ok) throw await failure(response);
  const values = {};
  for (const line of (await response.text()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)$/.exec(line.trim());
    if (m) values[m[1].replace(/^llamacpp:/, '')] = Number(m[2]);
  }
  return values;
}

// Streams POST `path` with `body`; calls onData(data) for each event's JSON. Ends quietly when
// `signal` aborts. Throws ApiError for an HTTP error or an error event.
async function streamJson(path, body, { apiKey, signal, onData }) {
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers: headers(apiKey, true), body: JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') return;
    throw new ApiError(`cannot reach the server (${e.message})`, 0);
  }
  if (!response.ok) throw await failure(response);
  try {
    for await (const event of serverSentEvents(response.body, signal)) {
      const data = event.data;
      if (data === '[DONE]') return;
      if (data && data.error) throw new ApiError(data.error.message || 'generation failed', data.error.code);
      if (data && typeof data === 'object') onData(data);
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    throw e;
  }
}

// Streams a chat reply from /v1/chat/completions. onDelta({ content, reasoning }) per piece;
// resolves to { usage, finishReason } when done (finishReason null if stopped).
export async function streamChat({ messages, params, apiKey, signal, onDelta }) {
  let usage = null;
  let finishReason = null;
  const body = { ...params, messages, stream: true, stream_options: { include_usage: true } };
  await streamJson('v1/chat/completions', body, {
    apiKey,
    signal,
    onData: (data) => {
      if (data.usage) usage = data.usage;
      if (data.timings) usage = { ...(usage || {}), timings: data.timings };
      const choice = data.choices && data.choices[0];
      if (!choice) return;
      const delta = choice.delta || {};
      if (delta.content || delta.reasoning_content) {
        onDelta({ content: delta.content || '', reasoning: delta.reasoning_content || '' });
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    },
  });
  return { usage, finishReason };
}

// Streams a raw completion from /completion. onToken({ content, probs }) per event, where probs
// is the event's completion_probabilities (with n_probs) or undefined; resolves to the final event.
export async function streamCompletion({ prompt, params, apiKey, signal, onToken }) {
  let last = null;
  await streamJson('completion', { ...params, prompt, stream: true }, {
    apiKey,
    signal,
    onData: (data) => {
      if (data.stop) {
        last = data;
        if (!data.content && !data.completion_probabilities) return;
      }
      onToken({ content: data.content || '', probs: data.completion_probabilities });
    },
  });
  return last;
}
