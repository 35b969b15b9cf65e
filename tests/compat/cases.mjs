// The harness's requests (harness.mjs), by server configuration. Every generating request is
// short (a few tokens) and seeded; only shapes are compared, never text.
//
// A case: { id, config ('default' unless named), method (GET, or POST with a body), path, body |
// rawBody (a body may be a function, called when the case is sent), headers, metrics (compare
// metric names), fast (also run in the suite), beingAdded (a route another change adds: listed,
// not sent) }.

import { PNG_URL, webmUrl } from './media.mjs';

// Server options per configuration, given to both servers (after -m MODEL -c CTX -np NP -t 1).
export const CONFIGS = {
  default: {},
  metrics: { args: ['--metrics'] },
  'no-slots': { args: ['--no-slots'] },
  props: { args: ['--props'] },
  'no-jinja': { args: ['--no-jinja'] },
  'cors-localhost': { args: ['--cors-origins', 'localhost'] },
  tools: { args: ['--tools', 'all', '--ui-mcp-proxy'] },
  'kv-unified': { args: ['--kv-unified'], ctx: 1024, np: 2 },
  embedding: { args: ['--embedding'], model: 'tiny-embedding.gguf' },
  rerank: { args: ['--rerank'], model: 'tiny-rerank.gguf' },
  multimodal: { mmproj: 'tiny-mmproj.gguf' },
  eagle3: { draft: 'tiny-eagle3.gguf', args: ['--spec-type', 'draft-eagle3', '--spec-draft-n-max', '3', '--spec-draft-p-min', '0'] },
  dflash: { draft: 'tiny-dflash.gguf', args: ['--spec-type', 'draft-dflash', '--spec-draft-n-max', '3', '--spec-draft-p-min', '0'] },
  dspark: { draft: 'tiny-dspark.gguf', args: ['--spec-type', 'draft-dspark', '--spec-draft-n-max', '3', '--spec-draft-p-min', '0'] },
};

const short = { n_predict: 3, seed: 7, temperature: 0 };
const chat = { messages: [{ role: 'user', content: 'Say hi' }], max_tokens: 3, seed: 7, temperature: 0 };
const longPrompt = 'hello '.repeat(1500);  // over -c 1024
const midPrompt = 'hello '.repeat(700);    // over -c / -np (512), under -c

export const CASES = [
  // ---- server information ----
  { id: 'health', path: '/health', fast: true },
  { id: 'health-v1', path: '/v1/health' },
  { id: 'props', path: '/props', fast: true },
  { id: 'slots', path: '/slots' },
  { id: 'models-v1', path: '/v1/models', fast: true },
  { id: 'models', path: '/models' },
  { id: 'metrics-off', path: '/metrics', fast: true },
  { id: 'lora-adapters', path: '/lora-adapters' },
  { id: 'unknown-route', path: '/no/such/route' },
  { id: 'props-post-off', path: '/props', body: { n_predict: 5 } },
  { id: 'cors-preflight', method: 'OPTIONS', path: '/completion', fast: true,
    headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST' } },
  { id: 'cors-simple', path: '/health', headers: { Origin: 'http://page.example' } },
  { id: 'tools-off', path: '/tools', fast: true },
  { id: 'cors-proxy-off', path: '/cors-proxy?url=http%3A%2F%2F127.0.0.1%3A1%2F' },

  // ---- agent tools (--tools all --ui-mcp-proxy): docs/agent-tools.md ----
  { id: 'tools-list', config: 'tools', path: '/tools' },
  { id: 'tools-get-info', config: 'tools', path: '/tools', body: { tool: 'get_info', params: {} } },
  { id: 'tools-exec', config: 'tools', path: '/tools', body: { tool: 'exec_shell_command', params: { command: 'echo hi' } } },
  { id: 'tools-glob-error', config: 'tools', path: '/tools', body: { tool: 'file_glob_search', params: { path: '.', limit: 0 } } },
  { id: 'tools-bad-body', config: 'tools', path: '/tools', rawBody: 'notjson' },
  { id: 'tools-cors-refused', config: 'tools', path: '/health', headers: { Origin: 'http://page.example' } },
  { id: 'tools-props', config: 'tools', path: '/props' },

  // ---- /completion ----
  { id: 'completion', path: '/completion', body: { prompt: 'Hello', ...short }, fast: true },
  { id: 'completion-alias', path: '/completions', body: { prompt: 'Hello', ...short } },
  { id: 'completion-stream', path: '/completion', body: { prompt: 'Hello', ...short, stream: true }, fast: true },
  { id: 'completion-token-prompt', path: '/completion', body: { prompt: [1, 300, 301], ...short } },
  { id: 'completion-mixed-prompt', path: '/completion', body: { prompt: [1, 'Hello', 300], ...short } },
  { id: 'completion-prompts', path: '/completion', body: { prompt: ['Hello', [1, 300, 301], { prompt_string: 'Hi' }], ...short },
    fast: true },
  { id: 'completion-prompts-n-cmpl', path: '/completion', body: { prompt: ['Hello', 'World'], ...short, n_cmpl: 2 } },
  { id: 'completion-prompts-stream', path: '/completion', body: { prompt: ['Hello', 'World'], ...short, stream: true } },
  { id: 'completion-prompt-object', path: '/completion', body: { prompt: { prompt_string: 'Hello' }, ...short } },
  { id: 'completion-prompt-bad-shape', path: '/completion', body: { prompt: [1, ['b']], ...short } },
  { id: 'completion-n-probs', path: '/completion', body: { prompt: 'Hello', ...short, n_probs: 2 }, fast: true },
  { id: 'completion-n-probs-stream', path: '/completion', body: { prompt: 'Hello', ...short, n_probs: 2, stream: true } },
  { id: 'completion-post-sampling-probs', path: '/completion',
    body: { prompt: 'Hello', ...short, n_probs: 2, post_sampling_probs: true }, fast: true },
  { id: 'completion-post-sampling-probs-stream', path: '/completion',
    body: { prompt: 'Hello', ...short, n_probs: 2, post_sampling_probs: true, stream: true } },
  { id: 'completion-response-fields', path: '/completion',
    body: { prompt: 'Hello', ...short, response_fields: ['content', 'generation_settings/n_predict', 'timings/prompt_n'] },
    fast: true },
  { id: 'completion-n-cmpl', fast: true, path: '/completion', body: { prompt: 'Hello', ...short, n_cmpl: 2 } },
  { id: 'completion-timings-per-token', path: '/completion',
    body: { prompt: 'Hello', ...short, stream: true, timings_per_token: true } },
  { id: 'completion-return-progress', path: '/completion',
    body: { prompt: 'Hello', ...short, stream: true, return_progress: true } },
  { id: 'completion-return-tokens', path: '/completion', body: { prompt: 'Hello', ...short, return_tokens: true } },
  { id: 'completion-t-max-predict-ms', path: '/completion', body: { prompt: 'Hello', ...short, t_max_predict_ms: 1000 } },
  { id: 'completion-stop', path: '/completion', body: { prompt: 'Hello', n_predict: 8, seed: 7, stop: ['e'] } },
  { id: 'completion-grammar', path: '/completion', body: { prompt: 'Hello', ...short, grammar: 'root ::= "yes" | "no"' } },
  { id: 'completion-json-schema', path: '/completion',
    body: { prompt: 'Hello', n_predict: 12, seed: 7, json_schema: { type: 'boolean' } } },
  { id: 'completion-samplers', path: '/completion',
    body: { prompt: 'Hello', ...short, samplers: ['top_k', 'temperature'], top_k: 5 } },
  { id: 'completion-logit-bias', path: '/completion', body: { prompt: 'Hello', ...short, logit_bias: [[300, false]] } },
  { id: 'completion-exceed-context', path: '/completion', body: { prompt: longPrompt, n_predict: 1 }, fast: true },
  { id: 'completion-missing-prompt', path: '/completion', body: { n_predict: 1 }, fast: true },
  { id: 'completion-bad-json', path: '/completion', rawBody: '{"prompt": ', headers: { 'Content-Type': 'application/json' } },
  { id: 'completion-bad-slot', path: '/completion', body: { prompt: 'Hi', n_predict: 1, id_slot: 99 } },
  { id: 'infill', path: '/infill', body: { input_prefix: 'def f(', input_suffix: '):', ...short } },

  // ---- tokens ----
  { id: 'tokenize', path: '/tokenize', body: { content: 'Hello world' }, fast: true },
  { id: 'tokenize-pieces', fast: true, path: '/tokenize', body: { content: 'Hello world', with_pieces: true } },
  { id: 'detokenize', fast: true, path: '/detokenize', body: { tokens: [300, 301] } },
  { id: 'detokenize-bad-id', path: '/detokenize', body: { tokens: [99999] } },
  { id: 'apply-template', fast: true, path: '/apply-template', body: { messages: chat.messages } },
  { id: 'chat-input-tokens', path: '/v1/chat/completions/input_tokens', body: { messages: chat.messages }, fast: true },
  { id: 'chat-input-tokens-alias', path: '/chat/completions/input_tokens', body: { messages: chat.messages } },
  { id: 'chat-input-tokens-no-messages', path: '/v1/chat/completions/input_tokens', body: {} },

  // ---- OpenAI ----
  { id: 'v1-completions', path: '/v1/completions', body: { prompt: 'Hello', max_tokens: 3, seed: 7 }, fast: true },
  { id: 'v1-completions-stream', fast: true, path: '/v1/completions', body: { prompt: 'Hello', max_tokens: 3, seed: 7, stream: true } },
  { id: 'v1-completions-logprobs', path: '/v1/completions', body: { prompt: 'Hello', max_tokens: 3, seed: 7, logprobs: 2 } },
  { id: 'v1-chat', path: '/v1/chat/completions', body: chat, fast: true },
  { id: 'v1-chat-alias', path: '/chat/completions', body: chat },
  { id: 'v1-chat-stream', path: '/v1/chat/completions', body: { ...chat, stream: true }, fast: true },
  { id: 'v1-chat-stream-usage', path: '/v1/chat/completions',
    body: { ...chat, stream: true, stream_options: { include_usage: true } } },
  { id: 'v1-chat-logprobs', path: '/v1/chat/completions', body: { ...chat, logprobs: true, top_logprobs: 2 } },
  { id: 'v1-chat-json-object', path: '/v1/chat/completions', body: { ...chat, max_tokens: 6, response_format: { type: 'json_object' } } },
  { id: 'v1-chat-no-messages', path: '/v1/chat/completions', body: { max_tokens: 3 }, fast: true },
  { id: 'v1-chat-exceed-context', path: '/v1/chat/completions',
    body: { messages: [{ role: 'user', content: longPrompt }], max_tokens: 1 } },
  { id: 'v1-embeddings-off', path: '/v1/embeddings', body: { input: 'Hello' } },
  { id: 'embedding-off', path: '/embedding', body: { content: 'Hello' } },
  { id: 'slot-save-off', path: '/slots/0?action=save', body: { filename: 'x.bin' } },

  // ---- the other dialects ----
  { id: 'anthropic-messages', path: '/v1/messages', body: { model: 'm', max_tokens: 3, messages: chat.messages }, fast: true },
  { id: 'anthropic-count-tokens', path: '/v1/messages/count_tokens', body: { model: 'm', messages: chat.messages } },
  { id: 'responses', path: '/v1/responses', body: { input: 'Hi', max_output_tokens: 3 }, fast: true },
  { id: 'responses-input-tokens', path: '/v1/responses/input_tokens', body: { input: 'Hi' } },
  { id: 'rerank', config: 'rerank', path: '/v1/rerank', body: { query: 'a', documents: ['a', 'b'] } },
  { id: 'ollama-tags', path: '/api/tags' },
  { id: 'ollama-chat', path: '/api/chat', body: { model: 'm', messages: chat.messages, stream: false } },

  // ---- other configurations ----
  { id: 'metrics', config: 'metrics', path: '/metrics', metrics: true, fast: true },
  { id: 'props-metrics', config: 'metrics', path: '/props' },
  { id: 'slots-off', config: 'no-slots', path: '/slots' },
  { id: 'props-no-slots', config: 'no-slots', path: '/props' },
  { id: 'props-post', config: 'props', path: '/props', body: { n_predict: 5 } },
  { id: 'no-jinja-chat', config: 'no-jinja', path: '/v1/chat/completions', body: chat },
  { id: 'no-jinja-chat-stream', config: 'no-jinja', path: '/v1/chat/completions', body: { ...chat, stream: true } },
  { id: 'no-jinja-apply-template', config: 'no-jinja', path: '/apply-template', body: { messages: chat.messages } },
  { id: 'cors-localhost-allowed', config: 'cors-localhost', method: 'OPTIONS', path: '/completion',
    headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' } },
  { id: 'cors-localhost-refused', config: 'cors-localhost', path: '/health', headers: { Origin: 'http://page.example' } },
  { id: 'kv-unified-long-prompt', config: 'kv-unified', path: '/completion', body: { prompt: midPrompt, n_predict: 1 } },
  { id: 'kv-unified-exceed', config: 'kv-unified', path: '/completion', body: { prompt: longPrompt, n_predict: 1 } },
  { id: 'embedding', config: 'embedding', path: '/embedding', body: { content: 'Hello' } },
  { id: 'v1-embeddings', config: 'embedding', path: '/v1/embeddings', body: { input: ['Hello', 'world'] } },
  { id: 'embedding-completion-refused', config: 'embedding', path: '/completion', body: { prompt: 'Hi', n_predict: 1 } },

  // ---- images and video (--mmproj, the generated projector; README, /v1/chat/completions) ----
  { id: 'mm-props', config: 'multimodal', path: '/props' },
  // ---- speculative decoding with an EAGLE-3 draft model (docs/speculative.md) ----
  { id: 'eagle3-completion', config: 'eagle3', path: '/completion', body: { prompt: 'Once upon a time', n_predict: 16, seed: 7, temperature: 0 } },
  { id: 'eagle3-chat-stream', config: 'eagle3', path: '/v1/chat/completions', body: { ...chat, max_tokens: 16, stream: true } },
  { id: 'eagle3-props', config: 'eagle3', path: '/props' },
  // ---- block-diffusion drafts (DFlash, DSpark) ----
  { id: 'dflash-completion', config: 'dflash', path: '/completion', body: { prompt: 'Once upon a time', n_predict: 16, seed: 7, temperature: 0 } },
  { id: 'dspark-completion', config: 'dspark', path: '/completion', body: { prompt: 'Once upon a time', n_predict: 16, seed: 7, temperature: 0 } },
  { id: 'mm-chat-image', config: 'multimodal', path: '/v1/chat/completions', body: mediaChat('image_url', PNG_URL) },
  { id: 'mm-chat-stream-image', config: 'multimodal', path: '/v1/chat/completions',
    body: { ...mediaChat('image_url', PNG_URL), stream: true } },
  { id: 'mm-chat-image-not-image', config: 'multimodal', path: '/v1/chat/completions',
    body: mediaChat('image_url', 'data:image/png;base64,bm90IGFuIGltYWdl') },
  { id: 'mm-chat-video', config: 'multimodal', path: '/v1/chat/completions', body: () => mediaChat('video_url', webmUrl()),
    fast: true },
  { id: 'mm-chat-image-as-video', config: 'multimodal', path: '/v1/chat/completions',
    body: mediaChat('video_url', PNG_URL.replace('image/png', 'video/mp4')) },
  { id: 'mm-chat-video-as-image', config: 'multimodal', path: '/v1/chat/completions',
    body: () => mediaChat('image_url', webmUrl()) },
  { id: 'mm-chat-video-not-video', config: 'multimodal', path: '/v1/chat/completions',
    body: mediaChat('video_url', 'data:video/mp4;base64,bm90IGEgdmlkZW8=') },
  { id: 'mm-input-tokens-image', config: 'multimodal', path: '/v1/chat/completions/input_tokens',
    body: { messages: mediaChat('image_url', PNG_URL).messages } },
];

// A chat whose user turn is a text part and one media part (image_url or video_url) at `url`.
function mediaChat(kind, url) {
  return { ...chat, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: kind, [kind]: { url } }] }] };
}
