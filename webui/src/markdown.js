// Markdown to HTML for replies: markdown-it with raw HTML off (model output is never trusted as
// HTML), highlight.js for a set of common languages, a copy button on every code block, and TeX
// math ($…$, $$…$$, \(…\), \[…\]) rendered to MathML by temml, which loads on first use.
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import lua from 'highlight.js/lib/languages/lua';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = {
  bash, c, cpp, csharp, css, diff, go, java, javascript, json, kotlin, lua, markdown, php, plaintext,
  python, ruby, rust, shell, sql, swift, typescript, xml, yaml,
};
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);

const escapeHtml = (s) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);

// ---- math ----

let temml = null;
let temmlLoading = null;
const mathListeners = new Set();

// Called (once) when the math renderer has loaded, so views showing math can render again.
export function onMathReady(listener) {
  mathListeners.add(listener);
  return () => mathListeners.delete(listener);
}

function renderMath(tex, display) {
  if (temml) {
    try {
      return temml.renderToString(tex, { displayMode: display, throwOnError: false });
    } catch {
      /* fall through to the source */
    }
  } else if (!temmlLoading) {
    temmlLoading = import('temml').then((module) => {
      temml = module.default || module;
      for (const listener of mathListeners) listener();
    });
  }
  const source = escapeHtml(display ? `$$${tex}$$` : `$${tex}$`);
  return display ? `<div class="math-source">${source}</div>` : `<span class="math-source">${source}</span>`;
}

// Inline math: \( … \) anywhere, $ … $ when it hugs its content ("$5 and $6" is not math).
function mathInline(state, silent) {
  const src = state.src;
  const start = state.pos;
  let open;
  let close;
  if (src.startsWith('\\(', start)) {
    open = '\\(';
    close = '\\)';
  } else if (src[start] === '$' && src[start + 1] !== '$') {
    open = '$';
    close = '$';
  } else {
    return false;
  }
  const from = start + open.length;
  let end = src.indexOf(close, from);
  while (end > 0 && close === '$' && src[end - 1] === '\\') end = src.indexOf(close, end + 1);
  if (end < 0 || end === from) return false;
  const tex = src.slice(from, end);
  if (close === '$' && (/^\s|\s$/.test(tex) || /^\d/.test(src.slice(end + 1)))) return false;
  if (!silent) {
    const token = state.push('math_inline', 'math', 0);
    token.content = tex;
  }
  state.pos = end + close.length;
  return true;
}

// Display math: a block that starts with $$ or \[ and ends with $$ or \] (on the same or a later line).
function mathBlock(state, startLine, endLine, silent) {
  const lineText = (n) => state.src.slice(state.bMarks[n] + state.tShift[n], state.eMarks[n]);
  const first = lineText(startLine);
  let close;
  if (first.startsWith('$$')) close = '$$';
  else if (first.startsWith('\\[')) close = '\\]';
  else return false;
  let body = first.slice(2);
  let line = startLine;
  let found = body.trimEnd().endsWith(close);
  if (found) {
    body = body.trimEnd().slice(0, -close.length);
  } else {
    const parts = [body];
    while (++line < endLine) {
      const text = lineText(line);
      if (text.trimEnd().endsWith(close)) {
        parts.push(text.trimEnd().slice(0, -close.length));
        found = true;
        break;
      }
      parts.push(text);
    }
    body = parts.join('\n');
  }
  if (!found) return false;
  if (silent) return true;
  const token = state.push('math_block', 'math', 0);
  token.content = body.trim();
  token.block = true;
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

// ---- markdown ----

function highlight(code, lang) {
  const name = (lang || '').trim().split(/\s+/)[0].toLowerCase();
  let html;
  if (name && hljs.getLanguage(name)) {
    html = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } else {
    html = escapeHtml(code);
  }
  const label = escapeHtml(name || 'text');
  return `<pre class="code-block"><div class="code-head"><span>${label}</span>` +
    `<button type="button" class="copy-code" aria-label="Copy code">Copy</button></div>` +
    `<code class="hljs">${html}</code></pre>`;
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, highlight });
md.inline.ruler.before('escape', 'math_inline', mathInline);
md.block.ruler.before('fence', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
md.renderer.rules.math_inline = (tokens, i) => renderMath(tokens[i].content, false);
md.renderer.rules.math_block = (tokens, i) => `<div class="math-display">${renderMath(tokens[i].content, true)}</div>\n`;

// Links open in a new tab, without giving it this page.
const defaultLinkOpen = md.renderer.rules.link_open || ((tokens, i, options, env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i].attrSet('target', '_blank');
  tokens[i].attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, i, options, env, self);
};

export function renderMarkdown(text) {
  return md.render(text);
}

// ---- thinking ----

// Splits a reply whose text carries its reasoning in <think>…</think> (templates that do not
// separate it): { reasoning, content, thinking } where `thinking` means the tag is still open.
export function splitThinking(text) {
  const open = text.indexOf('<think>');
  if (open < 0 || text.slice(0, open).trim() !== '') return { reasoning: '', content: text, thinking: false };
  const from = open + '<think>'.length;
  const close = text.indexOf('</think>', from);
  if (close < 0) return { reasoning: text.slice(from).trim(), content: '', thinking: true };
  return { reasoning: text.slice(from, close).trim(), content: text.slice(close + '</think>'.length).trimStart(), thinking: false };
}
