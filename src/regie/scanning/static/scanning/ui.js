// Building the app's pieces of screen (text only: never HTML from data).
export const $ = (id) => document.getElementById(id);
export const fill = (text, params = {}) => text.replace(/%\((\w+)\)s/g, (_, key) => params[key] ?? "");

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "on") Object.entries(value).forEach(([type, fn]) => node.addEventListener(type, fn));
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export function alertsBox(alerts, T) {
  if (!alerts?.length) return null;
  return el(
    "div",
    { class: "alerts" },
    el("strong", {}, `⚠ ${T.alerts}`),
    el("ul", {}, ...alerts.map((a) => el("li", { "data-field": a.field }, el("b", {}, `${a.label} : `), a.text))),
  );
}

export function personsLine(persons, T) {
  if (!persons?.length) return null;
  const names = persons.map((p) => [p.name, p.relationship && `(${p.relationship})`, p.phone].filter(Boolean).join(" "));
  return el("p", { class: "persons" }, `${T.may_pick_up} ${names.join(" · ")}`);
}

// The present-now list; children still there at closing time stand out.
export function presentList(list, children, late, T) {
  list.replaceChildren(
    ...children.map((child) =>
      el(
        "li",
        { class: late ? "late" : "", "data-child": String(child.id) },
        el("span", { class: "name" }, child.name),
        el("span", { class: "since" }, fill(T.since, { time: child.entry })),
        late ? el("span", { class: "badge" }, T.still_present) : null,
        personsLine(child.persons, T),
        alertsBox(child.alerts, T),
      ),
    ),
  );
  if (!children.length) list.append(el("li", { class: "empty" }, T.nobody_present));
}

export const normalise = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

// Local date and time to the minute, as the API wants it: 2025-10-01T16:04.
export function localMinute(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
