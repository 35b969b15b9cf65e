// Conversations, kept in this browser's localStorage: one entry per conversation plus an index,
// so saving the one being written does not rewrite the others.
//
// A conversation: { id, title, created, updated, messages: [message] }
// A message: { id, role: 'user' | 'assistant', content, reasoning?, error?, stats? }

const INDEX = 'cria.conversations';
const PREFIX = 'cria.conversation.';

export function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function readIndex() {
  try {
    const ids = JSON.parse(localStorage.getItem(INDEX) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

// Every saved conversation, most recently updated first.
export function loadConversations() {
  const out = [];
  for (const id of readIndex()) {
    try {
      const c = JSON.parse(localStorage.getItem(PREFIX + id) || 'null');
      if (c && Array.isArray(c.messages)) out.push(c);
    } catch { /* a damaged entry is skipped */ }
  }
  return out.sort((a, b) => (b.updated || 0) - (a.updated || 0));
}

// Saves one conversation. Returns an error message when the browser refuses (storage full).
export function saveConversation(conversation) {
  try {
    localStorage.setItem(PREFIX + conversation.id, JSON.stringify(conversation));
    const ids = readIndex();
    if (!ids.includes(conversation.id)) {
      ids.push(conversation.id);
      localStorage.setItem(INDEX, JSON.stringify(ids));
    }
    return null;
  } catch (e) {
    return `could not save the conversation in this browser (${e.name})`;
  }
}

export function deleteConversation(id) {
  localStorage.removeItem(PREFIX + id);
  localStorage.setItem(INDEX, JSON.stringify(readIndex().filter((x) => x !== id)));
}

export function titleFor(messages) {
  const first = messages.find((m) => m.role === 'user' && m.content.trim());
  if (!first) return 'New chat';
  const line = first.content.trim().split('\n')[0];
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

// The export file: every conversation given, in one JSON document.
export function exportDocument(conversations) {
  return JSON.stringify({ format: 'cria-conversations', version: 1, conversations }, null, 2);
}

// Reads an export file (ours, a bare list, or one conversation). Returns the conversations with
// fresh ids where one is already taken, or throws an Error saying what is wrong.
export function parseImport(text, takenIds) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a JSON file (${e.message})`);
  }
  const list = Array.isArray(doc) ? doc : Array.isArray(doc.conversations) ? doc.conversations : [doc];
  const taken = new Set(takenIds);
  const out = [];
  for (const c of list) {
    if (!c || !Array.isArray(c.messages)) throw new Error('a conversation has no "messages" list');
    const messages = c.messages
      .filter((m) => m && (m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string')
      .map((m) => ({ ...m, id: typeof m.id === 'string' ? m.id : newId() }));
    let id = typeof c.id === 'string' && c.id ? c.id : newId();
    if (taken.has(id)) id = newId();
    taken.add(id);
    const now = Date.now();
    out.push({
      id,
      title: typeof c.title === 'string' && c.title ? c.title : titleFor(messages),
      created: Number(c.created) || now,
      updated: Number(c.updated) || now,
      messages,
    });
  }
  return out;
}
