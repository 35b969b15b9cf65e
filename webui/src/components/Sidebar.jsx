// The list of conversations kept in this browser, with new, delete, export and import.
import { useRef } from 'preact/hooks';
import { DownloadIcon, PlusIcon, TrashIcon, UploadIcon, CloseIcon } from './icons.jsx';

export function Sidebar({ conversations, currentId, open, onClose, onSelect, onNew, onDelete, onExport, onImport }) {
  const fileInput = useRef(null);
  return (
    <aside class={`sidebar${open ? ' open' : ''}`} aria-label="Conversations">
      <div class="sidebar-head">
        <button type="button" class="button primary new-chat" onClick={onNew} data-testid="new-chat"
          title="New chat (Ctrl+Shift+O)"><PlusIcon size={16} /> New chat</button>
        <button type="button" class="icon-button only-narrow" onClick={onClose} aria-label="Close the list">
          <CloseIcon />
        </button>
      </div>
      <nav class="conversation-list" data-testid="conversation-list">
        {conversations.length === 0 && <p class="empty-list">No conversations yet.</p>}
        {conversations.map((c) => (
          <div key={c.id} class={`conversation${c.id === currentId ? ' current' : ''}`}>
            <button type="button" class="conversation-title" onClick={() => onSelect(c.id)}
              aria-current={c.id === currentId ? 'page' : undefined} title={c.title}>{c.title}</button>
            <button type="button" class="icon-button small" onClick={() => onExport([c])}
              aria-label={`Export “${c.title}”`} title="Export as JSON"><DownloadIcon size={14} /></button>
            <button type="button" class="icon-button small" onClick={() => onDelete(c.id)}
              aria-label={`Delete “${c.title}”`} title="Delete"><TrashIcon size={14} /></button>
          </div>
        ))}
      </nav>
      <div class="sidebar-foot">
        <button type="button" class="button ghost" onClick={() => onExport(conversations)}
          disabled={conversations.length === 0}><DownloadIcon size={15} /> Export all</button>
        <button type="button" class="button ghost" onClick={() => fileInput.current.click()}>
          <UploadIcon size={15} /> Import</button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file"
          onChange={async (e) => {
            const file = e.currentTarget.files[0];
            e.currentTarget.value = '';
            if (file) onImport(await file.text());
          }} />
      </div>
    </aside>
  );
}
