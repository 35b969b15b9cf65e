// One message of a chat: the user's as plain text, the assistant's as markdown with its reasoning
// folded, its speed and context use, and the actions that fit its place in the conversation.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { renderMarkdown, splitThinking } from '../markdown.js';
import { copyText } from '../clipboard.js';
import { CopyIcon, EditIcon, RetryIcon } from './icons.jsx';

function Stats({ stats }) {
  if (!stats) return null;
  const parts = [];
  if (stats.completionTokens != null) parts.push(`${stats.completionTokens} tokens`);
  if (stats.tokensPerSecond) parts.push(`${stats.tokensPerSecond.toFixed(1)} t/s`);
  if (stats.contextUsed != null && stats.contextSize) {
    const pct = Math.min(100, (100 * stats.contextUsed) / stats.contextSize);
    parts.push(`context ${stats.contextUsed}/${stats.contextSize} (${pct.toFixed(0)}%)`);
  }
  if (stats.finishReason === 'stopped') parts.push('stopped');
  else if (stats.finishReason === 'length') parts.push('hit the token limit');
  return <div class="stats" data-testid="reply-stats">{parts.join(' · ')}</div>;
}

function Reasoning({ text, live }) {
  if (!text) return null;
  return (
    <details class="reasoning" open={live || undefined}>
      <summary>{live ? 'Thinking…' : 'Thought process'}</summary>
      <div class="reasoning-body">{text}</div>
    </details>
  );
}

export function Message({ message, streaming, canEdit, canRegenerate, onEdit, onRegenerate }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const [copied, setCopied] = useState(false);
  const editBox = useRef(null);

  useLayoutEffect(() => {
    if (editing && editBox.current) {
      editBox.current.focus();
      editBox.current.setSelectionRange(draft.length, draft.length);
    }
  }, [editing]);

  const copy = async (text) => {
    if (await copyText(text)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    }
  };

  if (message.role === 'user') {
    if (editing) {
      const save = () => {
        setEditing(false);
        if (draft.trim()) onEdit(draft);
      };
      return (
        <div class="message user editing">
          <textarea ref={editBox} class="edit-box" value={draft} rows={Math.min(12, draft.split('\n').length + 1)}
            aria-label="Edit your message" onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); save(); }
              if (e.key === 'Escape') { e.preventDefault(); setEditing(false); }
            }} />
          <div class="edit-actions">
            <button type="button" class="button ghost" onClick={() => setEditing(false)}>Cancel</button>
            <button type="button" class="button primary" onClick={save}>Save &amp; send</button>
          </div>
        </div>
      );
    }
    return (
      <div class="message user" data-testid="message-user">
        <div class="bubble">{message.content}</div>
        <div class="actions">
          <button type="button" class="icon-button" title={copied ? 'Copied' : 'Copy'} aria-label="Copy message"
            onClick={() => copy(message.content)}><CopyIcon size={15} /></button>
          {canEdit && (
            <button type="button" class="icon-button" title="Edit" aria-label="Edit message"
              onClick={() => { setDraft(message.content); setEditing(true); }}><EditIcon size={15} /></button>
          )}
        </div>
      </div>
    );
  }

  const split = splitThinking(message.content);
  const reasoning = [message.reasoning, split.reasoning].filter(Boolean).join('\n\n');
  const content = split.content;
  const thinking = streaming && (split.thinking || (message.reasoning && !content));
  const onBodyClick = (e) => {
    const button = e.target.closest && e.target.closest('.copy-code');
    if (!button) return;
    const code = button.closest('pre').querySelector('code');
    copyText(code ? code.textContent : '').then((ok) => {
      if (!ok) return;
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = 'Copy'; }, 1200);
    });
  };
  return (
    <div class={`message assistant${streaming ? ' streaming' : ''}`} data-testid="message-assistant">
      <Reasoning text={reasoning} live={thinking} />
      {content ? (
        <div class="markdown" onClick={onBodyClick} dangerouslySetInnerHTML={{ __html: renderMarkdown(content) }} />
      ) : streaming && !reasoning ? (
        <div class="typing" aria-label="Waiting for the reply"><span /><span /><span /></div>
      ) : null}
      {message.error && <div class="error-box" role="alert">{message.error}</div>}
      {!streaming && (
        <div class="actions">
          <button type="button" class="icon-button" title={copied ? 'Copied' : 'Copy'} aria-label="Copy reply"
            onClick={() => copy(content)}><CopyIcon size={15} /></button>
          {canRegenerate && (
            <button type="button" class="icon-button" title="Regenerate" aria-label="Regenerate reply"
              onClick={onRegenerate}><RetryIcon size={15} /></button>
          )}
          <Stats stats={message.stats} />
        </div>
      )}
    </div>
  );
}
