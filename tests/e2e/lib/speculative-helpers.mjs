// What the speculative-decoding tests (speculative, ngram-speculative, mtp-speculative) compare.
import assert from 'node:assert/strict';

// The parts of a /completion response that speculative decoding must not change.
export function outcome(r) {
  return {
    content: r.content, tokens: r.tokens, stop_type: r.stop_type, stopping_word: r.stopping_word,
    tokens_cached: r.tokens_cached, tokens_predicted: r.tokens_predicted, truncated: r.truncated,
    cache_n: r.timings.cache_n, prompt_n: r.timings.prompt_n,
  };
}

// Draft tokens proposed, and accepted, over some responses (their timings).
export const drafted = (responses) => responses.reduce((n, r) => n + (r.timings.draft_n ?? 0), 0);
export const accepted = (responses) => responses.reduce((n, r) => n + (r.timings.draft_n_accepted ?? 0), 0);

// One llamacpp:NAME value of the server's /metrics (--metrics).
export async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}
