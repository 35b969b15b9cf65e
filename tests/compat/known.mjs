// The differences between cria and llama-server that are known and accepted, each with its reason
// (docs/compatibility.md prints them). A rule: { case (id or RegExp, default any), kind ('missing',
// 'type', 'status', 'error type'), path (string or RegExp), why }. The first rule that matches a
// row explains it; a row no rule matches is unexplained and fails the suite.
const RULES = [
  // Refusals where llama-server goes on: cria checks what a client sends.
  { case: 'completion-bad-slot', kind: /status|error type/,
    why: 'cria refuses an id_slot that names no slot (400, param id_slot); llama-server ignores it and picks a slot' },
  { case: 'detokenize-bad-id', kind: /status|error type/,
    why: 'a token id outside the vocabulary is the client\'s mistake: cria answers 400 invalid_request_error naming ' +
      'tokens; llama-server fails with 500 server_error' },
  { case: 'v1-chat-json-object', kind: /status|error type/,
    why: 'llama-server 0.7 fails to build its samplers for response_format json_object on the generated test model ' +
      '("Failed to initialize samplers"); cria constrains the reply to JSON' },
  { case: 'props-post', kind: /status|error type|missing/,
    why: 'POST /props with --props: cria takes the seed\'s default_generation_settings fields and refuses unknown ones; ' +
      'see below' },
  { case: 'completion-prompts-stream', kind: 'type', path: 'event.$',
    why: 'llama-server 0.7 opens the stream of a request with several prompts with a `data: null` event; cria ' +
      'sends only the prompts\' token events (objects)' },
  // Fields cria does not have.
  { case: /^slots/, kind: 'missing', path: '[].speculative',
    why: 'cria\'s slots show their speculative settings as speculative.n_max / n_min / p_min' },
  { kind: 'missing', path: /(^|\.)media_marker$/,
    why: 'cria marks media in a chat prompt with libmtmd\'s default marker <__media__> (api/image_input.h) and ' +
      'publishes none; llama-server 0.7 picks a random marker and publishes it' },
  { kind: 'missing', path: 'data[].meta.vocab_type',
    why: 'libllama\'s vocabulary type enum is not part of cria\'s engine info' },
  { case: 'v1-completions-stream', kind: 'missing', path: /^final\.usage/,
    why: 'llama-server puts usage in the last chunk of every /v1/completions stream; cria follows OpenAI: only with ' +
      'stream_options.include_usage (then in a chunk of its own)' },
  { case: 'completion-logit-bias', path: /^generation_settings\.logit_bias\[\]/,
    why: 'generation_settings.logit_bias keeps the seed\'s [[id, bias]] pairs (llama-server: [{token, bias}]); one ' +
      'field cannot hold both' },
  { case: 'v1-chat-stream-usage', kind: 'missing', path: /^event\.timings/,
    why: 'llama-server repeats the timings in the usage chunk; cria gives them in the last choice chunk' },
  { case: 'embedding', path: /^(\$|\[\])/,
    why: '/embedding keeps the seed\'s {"embedding": [...]} object; llama-server 0.7 answers an array of ' +
      '{index, embedding: [[...]]} (a root cannot be both; /v1/embeddings is the same in both)' },
  { case: 'embedding-completion-refused', kind: /status|error type/,
    why: 'with --embedding cria serves embeddings only (501 on generation routes, as the seed); llama-server ' +
      '0.7 still generates' },
  { case: /chat-stream/, kind: 'type', path: 'event.choices[].delta.content',
    why: 'cria\'s first chunk carries the role with content "", as OpenAI\'s own API sends it; llama-server sends null' },
  // The other dialects.
  { case: 'anthropic-messages', kind: 'missing', path: /^usage\.cache_(read|creation)_input_tokens$/,
    why: 'cria reports the whole prompt in usage.input_tokens, the number /v1/messages/count_tokens gives, and does ' +
      'not split out the part its slots\' cache reused (Anthropic bills that part apart; a local server does not)' },
  { case: /^ollama-/, kind: /status|error type|missing|type/,
    why: 'llama-server 0.7 has no Ollama API (404 in its own shape); cria serves /api/* in Ollama\'s shape ' +
      '({"error": "message"}; an unknown model name is a 404 there too)' },
];

const matches = (pattern, value) =>
  pattern === undefined || (pattern instanceof RegExp ? pattern.test(value) : pattern === value);

export function explain(caseId, row) {
  for (const rule of RULES) {
    if (matches(rule.case, caseId) && matches(rule.kind, row.kind) && matches(rule.path, row.path)) return rule.why;
  }
  return '';
}

export { RULES };
