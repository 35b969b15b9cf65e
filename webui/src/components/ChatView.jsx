// The open conversation: its messages, following the reply as it streams unless the reader has
// scrolled up, and the message box.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { Message } from './Message.jsx';
import { Composer } from './Composer.jsx';

export function ChatView({ conversation, streamingId, busy, draft, onDraft, onSend, onStop, onEdit, onRegenerate, modelName, disabled }) {
  const scroller = useRef(null);
  const pinned = useRef(true);
  const messages = conversation ? conversation.messages : [];

  useEffect(() => { pinned.current = true; }, [conversation && conversation.id]);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });
  // Stay at the bottom when the view itself changes size (a phone's keyboard, a rotated screen).
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => { if (pinned.current) el.scrollTop = el.scrollHeight; });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const last = messages.length - 1;

  return (
    <div class="chat-view">
      <div class="messages" ref={scroller} data-testid="messages"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}>
        {messages.length === 0 ? (
          <div class="welcome">
            <h1>What can I help with?</h1>
            <p>{modelName ? <>You are talking to <strong>{modelName}</strong>.</> : 'Connecting to the server…'}</p>
          </div>
        ) : (
          <div class="message-column">
            {messages.map((m, i) => (
              <Message key={m.id} message={m} streaming={m.id === streamingId}
                canEdit={!busy && i === lastUser}
                canRegenerate={!busy && i === last && m.role === 'assistant'}
                onEdit={(text) => onEdit(m.id, text)} onRegenerate={() => onRegenerate(m.id)} />
            ))}
          </div>
        )}
      </div>
      <div class="composer-wrap">
        <Composer value={draft} onChange={onDraft} onSend={onSend} onStop={onStop} busy={busy} disabled={disabled}
          placeholder={disabled ? 'Waiting for the server…' : 'Message'} />
        <p class="composer-note">Replies are generated locally by the model on this server.</p>
      </div>
    </div>
  );
}
