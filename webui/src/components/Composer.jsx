// The message box: Enter sends, Shift+Enter starts a new line; while a reply streams, the button
// stops it (so does Escape).
import { useEffect, useRef } from 'preact/hooks';
import { SendIcon, StopIcon } from './icons.jsx';

export function Composer({ value, onChange, onSend, onStop, busy, disabled, placeholder }) {
  const box = useRef(null);

  // Grow with the text, up to a third of the screen.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, window.innerHeight / 3)}px`;
  }, [value]);

  useEffect(() => {
    if (!busy && box.current && window.matchMedia('(pointer: fine)').matches) box.current.focus();
  }, [busy]);

  const submit = () => {
    if (busy || disabled || !value.trim()) return;
    onSend(value);
  };

  return (
    <form class="composer" onSubmit={(e) => { e.preventDefault(); busy ? onStop() : submit(); }}>
      <textarea ref={box} rows={1} value={value} placeholder={placeholder} aria-label="Message"
        data-testid="composer-input" disabled={disabled}
        onInput={(e) => onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }} />
      {busy ? (
        <button type="button" class="send-button stop" onClick={onStop} aria-label="Stop" title="Stop (Esc)"
          data-testid="stop-button"><StopIcon /></button>
      ) : (
        <button type="submit" class="send-button" aria-label="Send" title="Send (Enter)"
          disabled={disabled || !value.trim()} data-testid="send-button"><SendIcon /></button>
      )}
    </form>
  );
}
