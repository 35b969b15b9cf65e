// completion.js: talk to cria (or any llama-server compatible server) from a web page.
//
// Served by cria at /completion.js, with the built-in UI and beside the files of --path DIR, so a
// page of your own can do:
//
//   import { llama } from '/completion.js'
//
//   for await (const chunk of llama('Tell me a joke.', { n_predict: 64 })) {
//     document.write(chunk.data.content)
//   }
//
// Every function takes the same three arguments:
//   prompt  the text (or tokens, or anything POST /completion accepts as "prompt")
//   params  request fields for POST /completion (n_predict, temperature, stop, n_probs, ...); they
//           are added to the defaults below. `api_key` here is sent as the Authorization header,
//           not in the body.
//   config  { controller: an AbortController to stop the request,
//             api_url: the server's base URL (default: where this file was served from: cria
//                      serves it beside its API, under --api-prefix too),
//             endpoint: the path to POST to (default '/completion'),
//             api_key: the API key, if the server was started with --api-key }
//
// Exports:
//   llama(prompt, params, config)            async generator of the streamed chunks
//   llamaEventTarget(prompt, params, config) an EventTarget that dispatches them as events
//   llamaPromise(prompt, params, config)     a Promise of the whole generated text
//   llamaComplete(params, controller, cb)    callback style (older pages): cb(chunk) for each chunk
//   llamaModelInfo(config)                   the server's default generation settings (GET /props)
//   serverSentEvents(body, signal)           the SSE parser itself, for other streaming routes

// Defaults for every request; params override them.
export const paramDefaults = {
  stream: true,
  n_predict: 500,
  temperature: 0.2,
  stop: ['</s>'],
};

// The generation settings of the last finished request (or of /props), once known.
export let generation_settings = null;

// The folder this file was served from, e.g. http://host:8080/llm for /llm/completion.js.
const servedFrom = new URL('.', import.meta.url).href;

function baseUrl(config) {
  return (config.api_url || servedFrom).replace(/\/+$/, '');
}

function authHeaders(key) {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// Splits a Server-Sent Events body into events: { event, id, retry, data } with data parsed as
// JSON when it is JSON. A blank line ends an event; lines starting with ':' are comments.
export async function* serverSentEvents(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = {};
  let dataLines = [];
  const finish = () => {
    if (dataLines.length === 0) { event = {}; return null; }
    const text = dataLines.join('\n');
    let data = text;
    try { data = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    const done = { ...event, data };
    event = {};
    dataLines = [];
    return done;
  };
  try {
    while (true) {
      if (signal && signal.aborted) return;
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.search(/\r?\n/)) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + (buffer[cut] === '\r' ? 2 : 1));
        if (line === '') {
          const complete = finish();
          if (complete) yield complete;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') dataLines.push(value);
        else if (field === 'event' || field === 'id') event[field] = value;
        else if (field === 'retry') event.retry = parseInt(value, 10);
      }
      if (done) {
        if (buffer !== '') dataLines.push(buffer.replace(/^data: ?/, ''));
        const last = finish();
        if (last) yield last;
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// Streams a completion. Yields one chunk per server event: { data, event?, id?, retry? }, where
// data is the event's JSON, e.g. { content: 'Hello', stop: false } and, in the last one,
// { content: '', stop: true, timings, generation_settings, ... }. Returns the whole text.
// Throws an Error (with .status when the server answered with an HTTP error) on failure; an aborted
// request simply ends the generator.
export async function* llama(prompt, params = {}, config = {}) {
  const controller = config.controller || new AbortController();
  const { api_key: paramKey, ...fields } = params;
  const body = { ...paramDefaults, ...fields, prompt };
  let response;
  try {
    response = await fetch(`${baseUrl(config)}${config.endpoint || '/completion'}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
        ...authHeaders(config.api_key || paramKey),
      },
      signal: controller.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') return '';
    throw e;
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = await response.json();
      if (error && error.error && error.error.message) message = error.error.message;
    } catch { /* not JSON */ }
    const failure = new Error(message);
    failure.status = response.status;
    throw failure;
  }

  let content = '';
  if (body.stream === false) {
    // Not streamed: one chunk with the whole answer.
    const data = await response.json();
    content = data.content || '';
    if (data.generation_settings) generation_settings = data.generation_settings;
    yield { data };
    return content;
  }
  try {
    for await (const chunk of serverSentEvents(response.body, controller.signal)) {
      const data = chunk.data;
      if (data === '[DONE]') break;
      if (data && typeof data === 'object') {
        if (data.error) {
          const failure = new Error(data.error.message || 'generation failed');
          failure.status = data.error.code;
          throw failure;
        }
        if (typeof data.content === 'string') content += data.content;
        if (data.generation_settings) generation_settings = data.generation_settings;
      }
      yield chunk;
      if (data && data.stop) break;
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    controller.abort();  // done or left early: close the connection, which frees the server's slot
  }
  return content;
}

// Streams a completion as events on an EventTarget:
//   'message'             detail: each chunk's data
//   'generation_settings' detail: the request's settings, when the server reports them
//   'timings'             detail: the timings of the finished request
//   'done'                detail: { content } (the whole text)
//   'error'               detail: the Error
export function llamaEventTarget(prompt, params = {}, config = {}) {
  const target = new EventTarget();
  (async () => {
    let content = '';
    try {
      for await (const chunk of llama(prompt, params, config)) {
        const data = chunk.data;
        if (data && typeof data.content === 'string') content += data.content;
        target.dispatchEvent(new CustomEvent('message', { detail: data }));
        if (data && data.generation_settings) {
          target.dispatchEvent(new CustomEvent('generation_settings', { detail: data.generation_settings }));
        }
        if (data && data.timings) target.dispatchEvent(new CustomEvent('timings', { detail: data.timings }));
      }
    } catch (error) {
      target.dispatchEvent(new CustomEvent('error', { detail: error }));
    }
    target.dispatchEvent(new CustomEvent('done', { detail: { content } }));
  })();
  return target;
}

// The whole generated text, once the request has finished.
export async function llamaPromise(prompt, params = {}, config = {}) {
  let content = '';
  for await (const chunk of llama(prompt, params, config)) {
    if (chunk.data && typeof chunk.data.content === 'string') content += chunk.data.content;
  }
  return content;
}

// Callback style, for older pages: params.prompt is the prompt; callback(chunk) for each chunk.
export async function llamaComplete(params, controller, callback) {
  const { prompt, ...rest } = params;
  for await (const chunk of llama(prompt, rest, { controller })) callback(chunk);
}

// The server's default generation settings (from GET /props), fetched once and then remembered.
let modelInfo = null;
export async function llamaModelInfo(config = {}) {
  if (!modelInfo) {
    const response = await fetch(`${baseUrl(config)}/props`, { headers: authHeaders(config.api_key) });
    if (!response.ok) throw new Error(`GET /props: ${response.status} ${response.statusText}`);
    const props = await response.json();
    modelInfo = props.default_generation_settings;
    if (!generation_settings) generation_settings = modelInfo;
  }
  return modelInfo;
}

export default llama;
