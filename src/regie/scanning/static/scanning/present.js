// Who is present now at the place: Regie's list with the scans not sent yet laid over it.
export const CLOSING_MARGIN_MINUTES = 15;

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

// `server`: [{id, name, entry, persons, alerts}]; `waiting`: the queue; `children`: the cache.
export function merge(server, waiting, children, placeId, day) {
  const present = new Map(server.map((child) => [child.id, child]));
  const byCard = new Map(children.map((child) => [child.token, child]));
  const today = waiting
    .filter((scan) => scan.place_id === placeId && scan.at.slice(0, 10) === day)
    .sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq);
  for (const scan of today) {
    const child = byCard.get(scan.card);
    if (!child) continue;
    if (scan.direction === "entry") present.set(child.id, { ...child, entry: scan.at.slice(11, 16) });
    else present.delete(child.id);
  }
  return [...present.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// From a quarter of an hour before closing, the children still present stand out.
export const closingSoon = (closing, nowHHMM) =>
  Boolean(closing) && minutes(nowHHMM) >= minutes(closing) - CLOSING_MARGIN_MINUTES;
