// The scanning app: sign in or paired phone, place, camera or search, entry/exit, present now.
import * as camera from "./camera.js";
import { signal } from "./feedback.js";
import { closingSoon, merge } from "./present.js";
import * as store from "./store.js";
import { api, flush } from "./sync.js";
import { $, alertsBox, el, fill, localMinute, normalise, presentList } from "./ui.js";

const T = JSON.parse($("texts").textContent);
const HOLD_MS = 10000; // a scan's card stays this long for choosing the person, then it goes
const AGAIN_MS = 60000; // the same card in the same direction within a minute is not recorded
const STILL_MS = 5000; // a card read again within this time has not left the camera
const SYNC_MS = 10000;
const state = { token: null, place: null, children: [], stop: null, last: null, seen: new Map() };

function show(section) {
  for (const id of ["signin", "places", "scan", "present"]) $(id).hidden = id !== section;
  document.querySelectorAll(".tabs [data-tab]").forEach((b) => b.setAttribute("aria-current", String(b.dataset.tab === section)));
  if (section !== "scan") stopCamera();
}

const direction = () => document.querySelector("input[name=direction]:checked").value;

async function read(path, key) {
  try {
    const { status, data } = await api(path, { token: state.token });
    if (status === 200) {
      await store.set(key, data);
      return data;
    }
    if (status === 401) return null;
  } catch {
    /* offline: what was kept */
  }
  return store.get(key);
}

async function boot() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/scan/" });
  const pairing = location.hash.match(/^#device=(dev_[\w-]+)$/);
  if (pairing) {
    await store.set("device_token", pairing[1]);
    history.replaceState(null, "", location.pathname);
  }
  state.token = (await store.get("device_token")) ?? null;
  state.seen = new Map((await store.get("recent")) ?? []);
  wire();
  let me = await read("me", "me");
  if (me === null && state.token) {
    // Refused (a new pairing replaced this phone's token): forget it; a session may remain.
    await store.remove("device_token");
    state.token = null;
    me = await read("me", "me");
  }
  await pending();
  if (!me) return show("signin");
  $("who").textContent = me.device ? fill(T.signed_in_device, { name: me.device.name }) : `${me.user.name} · ${me.organisation.name}`;
  document.querySelector(".tabs").hidden = false;
  const places = (await read("scan/places", "places")) ?? [];
  const placeId = await store.get("place");
  const chosen = places.find((p) => p.id === placeId) ?? (places.length === 1 ? places[0] : null);
  await (chosen ? openPlace(chosen) : choosePlace(places));
  sync();
  setInterval(sync, SYNC_MS);
  addEventListener("online", sync);
  addEventListener("offline", pending);
}

function choosePlace(places) {
  $("no-place").hidden = places.length > 0;
  $("place-list").replaceChildren(
    ...places.map((place) =>
      el("li", {}, el("button", { type: "button", class: "big", on: { click: () => openPlace(place) } }, place.name, place.site ? el("small", {}, place.site) : null)),
    ),
  );
  show("places");
}

async function openPlace(place) {
  state.place = place;
  await store.set("place", place.id);
  $("place-name").textContent = place.name;
  state.children = (await read(`scan/places/${place.id}/children`, `children:${place.id}`)) ?? [];
  show("scan");
  startCamera();
}

async function startCamera() {
  if (state.stop) return;
  $("camera-toggle").textContent = T.camera_stop;
  try {
    state.stop = await camera.start($("video"), onCode, document.body.dataset.jsqr);
    $("camera-msg").textContent = T.camera_ready;
    if (window.jsQR && "serviceWorker" in navigator) {
      // This browser needs the decoder: keep it for the days without network.
      (await navigator.serviceWorker.ready).active?.postMessage({ keep: document.body.dataset.jsqr });
    }
  } catch {
    state.stop = null;
    $("camera-toggle").textContent = T.camera_start;
    $("camera-msg").textContent = T.camera_denied;
  }
}

function stopCamera() {
  state.stop?.();
  state.stop = null;
  $("camera-toggle").textContent = T.camera_start;
}

function onCode(code) {
  const child = state.children.find((c) => c.token === code);
  if (!child) {
    if (state.seen.get(code) > Date.now() - 3000) return;
    state.seen.set(code, Date.now());
    signal(false);
    return card([el("p", { class: "error" }, T.unknown_card)]);
  }
  record(child, true);
}

async function record(child, byCamera = false) {
  performance.mark("scan-start");
  const now = new Date();
  const way = direction();
  const key = `${child.token} ${way}`;
  const before = state.seen.get(key);
  if (before && now - before.at < AGAIN_MS) {
    const still = byCamera && now - before.last < STILL_MS; // the card stayed before the lens
    before.last = now.getTime();
    if (!still) card([el("p", { class: "name" }, child.name), el("p", {}, fill(T.already, { time: before.time }))]);
    return;
  }
  const scan = {
    client_event_id: crypto.randomUUID(),
    card: child.token,
    place_id: state.place.id,
    at: localMinute(now),
    direction: way,
    person_id: null,
    seq: Date.now(),
    hold_until: Date.now() + HOLD_MS,
  };
  await store.enqueue(scan);
  performance.mark("scan-stored");
  performance.measure("scan-recorded", "scan-start", "scan-stored");
  state.seen.set(key, { at: now.getTime(), last: byCamera ? now.getTime() : 0, time: scan.at.slice(11) });
  store.set("recent", [...state.seen].filter(([, v]) => v.at > now - AGAIN_MS));
  signal(true);
  const previous = state.last;
  state.last = scan.client_event_id;
  showScan(child, scan);
  if (previous) await release(previous);
  pending();
}

function showScan(child, scan) {
  const chooser = child.persons.length
    ? el(
        "div",
        { class: "who-brings", role: "group", "aria-label": scan.direction === "entry" ? T.dropped_off_by : T.picked_up_by },
        el("p", {}, scan.direction === "entry" ? T.dropped_off_by : T.picked_up_by),
        ...child.persons.map((person) =>
          el("button", { type: "button", "data-person": String(person.id), on: { click: (e) => choosePerson(scan, person, e.currentTarget) } }, person.name, el("small", {}, person.relationship)),
        ),
      )
    : null;
  const way = scan.direction === "entry" ? T.entry : T.exit;
  card(
    [
      el("p", { class: "name" }, child.name),
      el("p", { class: `done ${scan.direction}` }, fill(T.recorded, { direction: way, time: scan.at.slice(11) })),
      alertsBox(child.alerts, T),
      chooser,
      el("button", { type: "button", class: "secondary", on: { click: () => release(scan.client_event_id, true) } }, T.done),
    ],
    scan.direction,
  );
}

function card(children, kind = "") {
  const box = $("card");
  box.className = `card ${kind}`;
  box.replaceChildren(...children.filter(Boolean));
  box.hidden = false;
}

async function choosePerson(scan, person, button) {
  await store.change(scan.client_event_id, { person_id: person.id, hold_until: 0 });
  button.setAttribute("aria-pressed", "true");
  button.closest(".who-brings").replaceChildren(el("p", {}, fill(T.person_saved, { name: person.name })));
  sync();
}

async function release(id, close = false) {
  await store.change(id, { hold_until: 0 });
  if (close) $("card").hidden = true;
  sync();
}

async function pending() {
  const count = (await store.queued()).length;
  const text = count === 0 ? T.pending_none : count === 1 ? T.pending_one : fill(T.pending_many, { count });
  $("pending").textContent = navigator.onLine ? text : `${text} (${T.offline})`;
  $("pending").dataset.count = String(count);
}

async function sync() {
  try {
    const outcome = await flush(state.token);
    if (outcome.status === 401) $("camera-msg").textContent = T.signed_out;
    if (outcome.rejected.length) await showRejected(outcome.rejected);
  } catch {
    /* offline: the scans wait in the phone */
  }
  await pending();
  if (!$("present").hidden) presentNow();
}

async function showRejected(rejected) {
  const kept = [...((await store.get("rejected")) ?? []), ...rejected].slice(-20);
  await store.set("rejected", kept);
  const names = new Map(state.children.map((c) => [c.token, c.name]));
  $("rejected").replaceChildren(
    el("p", {}, T.rejected),
    el("ul", {}, ...kept.map((s) => el("li", {}, `${names.get(s.card) ?? ""} ${s.at.slice(11)} — ${s.message}`))),
  );
  $("rejected").hidden = false;
}

async function presentNow() {
  const place = state.place;
  const data = await read(`scan/places/${place.id}/present`, `present:${place.id}`);
  const today = localMinute(new Date());
  const server = data && data.date === today.slice(0, 10) ? data.children : [];
  const children = merge(server, await store.queued(), state.children, place.id, today.slice(0, 10));
  const closing = data?.closing ?? null;
  const late = closingSoon(closing, today.slice(11));
  $("closing").textContent = closing ? fill(T.closing, { time: closing }) : data ? T.closing_unknown : "";
  $("closing").classList.toggle("late", late && children.length > 0);
  presentList($("present-list"), children, late, T);
  $("present-count").textContent = `(${children.length})`;
}

function search() {
  const words = normalise($("q").value).split(/\s+/).filter(Boolean);
  const found = words.length ? state.children.filter((c) => words.every((w) => normalise(c.name).includes(w))).slice(0, 8) : [];
  $("results").replaceChildren(
    ...found.map((child) =>
      el("li", {}, el("button", { type: "button", class: "big", on: { click: () => ($("q").value = "", $("results").replaceChildren(), record(child)) } }, child.name, el("small", {}, child.level))),
    ),
  );
  if (words.length && !found.length) $("results").append(el("li", { class: "empty" }, T.no_results));
}

function wire() {
  $("search").addEventListener("submit", (e) => e.preventDefault());
  $("q").addEventListener("input", search);
  $("camera-toggle").addEventListener("click", () => (state.stop ? stopCamera() : startCamera()));
  document.querySelectorAll(".tabs [data-tab]").forEach((button) =>
    button.addEventListener("click", async () => {
      const tab = button.dataset.tab;
      if (tab === "places") return choosePlace((await read("scan/places", "places")) ?? []);
      if (!state.place) return;
      if (tab === "scan") return openPlace(state.place);
      show("present");
      presentNow();
    }),
  );
}

boot();
