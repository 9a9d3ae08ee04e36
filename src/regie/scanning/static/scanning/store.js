// The phone's storage (IndexedDB): scans waiting to be sent, and what the app keeps offline.
const NAME = "regie-scan";
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("queue", { keyPath: "client_event_id" });
      request.result.createObjectStore("kv");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

// Run `work(store)` in one transaction; resolve with its request's result once committed.
async function run(name, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export const get = (key) => run("kv", "readonly", (s) => s.get(key));
export const set = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const remove = (key) => run("kv", "readwrite", (s) => s.delete(key));

// A scan is stored here first; it stays until Regie has answered it.
export const enqueue = (scan) => run("queue", "readwrite", (s) => s.add(scan));
export const queued = () => run("queue", "readonly", (s) => s.getAll());
export const forget = (ids) => run("queue", "readwrite", (s) => void ids.forEach((id) => s.delete(id)));

export function change(id, fields) {
  return run("queue", "readwrite", (s) => {
    const request = s.get(id);
    request.onsuccess = () => request.result && s.put({ ...request.result, ...fields });
  });
}
