// Sending the waiting scans to Regie in batches, through POST /api/v1/scans.
import * as store from "./store.js";

const BATCH = 200;
const STARTED = Date.now();

function csrf() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Call the API with the phone's device token, or else the staff member's session.
export async function api(path, { token = null, body = null } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (body) headers["X-CSRFToken"] = csrf();
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/v1/${path}`, {
    method: body ? "POST" : "GET",
    headers,
    body: body ? JSON.stringify(body) : null,
    credentials: "same-origin",
    cache: "no-store",
  });
  return { status: response.status, data: await response.json().catch(() => null) };
}

// A scan whose card is still on screen waits (its person may still be chosen), unless it
// was taken before this start of the app.
export const ready = (scan, now) => !(scan.hold_until > now && scan.seq >= STARTED);

const payload = (scan) => ({
  client_event_id: scan.client_event_id,
  token: scan.card,
  place_id: scan.place_id,
  at: scan.at,
  direction: scan.direction,
  person_id: scan.person_id,
});

let sending = null;

// Send what waits; resolve with the rejected scans (with Regie's message) or an error status.
export function flush(token) {
  sending ??= send(token).finally(() => (sending = null));
  return sending;
}

async function send(token) {
  const now = Date.now();
  const waiting = (await store.queued()).filter((s) => ready(s, now)).sort((a, b) => a.seq - b.seq);
  const rejected = [];
  for (let i = 0; i < waiting.length; i += BATCH) {
    const batch = waiting.slice(i, i + BATCH);
    const { status, data } = await api("scans", { token, body: { events: batch.map(payload) } });
    if (status !== 200) return { status, rejected };
    for (const result of data.results) {
      if (result.status === "rejected") rejected.push({ ...batch[result.index], message: result.message });
    }
    await store.forget(batch.map((s) => s.client_event_id)); // every scan was answered
  }
  return { status: 200, rejected };
}
