"""Childcare staff scan printed cards with a phone's camera at the door, online and offline.

Chromium runs with a fake camera fed with a video made from the cards' QR codes as the card
page shows them; Debian's chromium has no BarcodeDetector, so the vendored jsQR decodes.
"""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from tests import factories as f
from tests.browser.accessibility import axe_violations
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user

from regie.activities.models import Place
from regie.attendance.models import Day, DayStatus, ScanEvent
from regie.attendance.verifying import day_verify
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.medical import medical_record_save
from regie.people.models import SchoolSite
from regie.scanning.models import StaffPlace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 393, "height": 851},
    "device_scale_factor": 2.75,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
}
FPS, SIZE, QR = 5, (320, 240), 220


def door(org) -> dict:
    """The Centre's childcare open all day; Léa (allergic to peanuts), Tom and Zoé; Aline works
    there, Claire coordinates."""
    today = timezone.localdate()
    with scope(org):
        site = SchoolSite.objects.create(name="École du Centre")
        centre = Place.objects.create(name="Accueil du Centre", site=site)
        f.activity(
            "Accueil", "00:00", "23:59", at=centre, date_from=today - timedelta(1), date_to=None
        )
        kids = {
            "lea": f.child("Léa", "Lambert", parent=f.person("Lambert", "Sophie")),
            "tom": f.child("Tom", "Petit", parent=f.person("Petit", "Marc")),
            "zoe": f.child("Zoé", "Bois"),
        }
        for child in kids.values():
            child.site = site
            child.save()
        medical_record_save(child=kids["lea"], allergies="Arachides", doctor="Dr Martin")
        StaffPlace.objects.create(user=make_user("aline", org, Role.STAFF), place=centre)
    make_user("claire", org, Role.COORDINATOR)
    return {"centre": centre, "today": today, **kids}


def card_pictures(page, children) -> list[Image.Image]:
    """Return the QR codes of the children's printed cards, as the coordinator's page shows."""
    log_in(page, "claire")
    pictures = []
    for child in children:
        page.goto(f"/registry/children/{child.pk}/card/")
        picture = page.locator(".scan-card img")
        picture.evaluate("(img) => img.decode()")
        png = picture.screenshot()
        pictures.append(Image.open(io.BytesIO(png)).convert("RGB"))
    return pictures


def write_y4m(path, pictures, lead_in: float = 0, seconds: float = 2, gap: float = 1) -> None:
    """Write a YUV 4:2:0 video: white, then each card held before the camera, then white."""
    blank = Image.new("RGB", SIZE, "white")
    shots = []
    for picture in pictures:
        frame = blank.copy()
        frame.paste(picture.resize((QR, QR), Image.NEAREST), ((SIZE[0] - QR) // 2, 10))
        shots.append(frame)
    sequence = [blank] * int(lead_in * FPS)
    for shot in shots:
        sequence += [shot] * int(seconds * FPS) + [blank] * int(gap * FPS)
    encoded = {}
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in sequence:
            if id(frame) not in encoded:
                y, cb, cr = frame.convert("YCbCr").split()
                half = (SIZE[0] // 2, SIZE[1] // 2)
                encoded[id(frame)] = (
                    y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
                )
            out.write(b"FRAME\n" + encoded[id(frame)])


@pytest.fixture
def phone(browser, live_server):
    """Return a function opening a phone (mobile emulation) whose camera films a video."""
    launched = []

    def open_phone(video):
        camera = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera)
        context = camera.new_context(
            base_url=live_server.url,
            locale="fr-BE",
            timezone_id="Europe/Brussels",
            permissions=["camera"],
            **PHONE,
        )
        page = context.new_page()
        page.on("pageerror", lambda error: print("pageerror:", error))
        page.set_default_timeout(30000)
        return context, page

    yield open_phone
    for camera in launched:
        camera.close()


def shots(tmp_path) -> Path:
    """Where screenshots go: ``REGIE_SCREENSHOTS`` (docs/img when refreshing the docs)."""
    return Path(os.environ.get("REGIE_SCREENSHOTS") or tmp_path)


def eventually(check, timeout: float = 30):
    """Return ``check()`` once it is truthy (the live server answers in its own thread)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.2)
    return result


def first_load_code(page) -> dict[str, int]:
    """Return the bytes transferred for the app's page, scripts and style sheet, by file."""
    return page.evaluate(
        """() => Object.fromEntries(
            ["navigation", "resource"].flatMap((type) => performance.getEntriesByType(type))
                .filter((e) => e.name.endsWith("/scan/") || /\\.(js|css)$/.test(e.name))
                .map((e) => [e.name.split("/").pop() || "app.html", e.transferSize]))"""
    )


def events_of(org) -> list[ScanEvent]:
    with scope(org):
        return list(ScanEvent.objects.select_related("child", "person", "recorded_by"))


def test_a_worker_scans_a_printed_card_and_the_childs_day_is_verified(page, phone, org_a, tmp_path):
    """Given Léa's printed card before the phone's camera, the app shows her name and her
    allergy, Aline taps Sophie as who dropped her off, and the scan reaches Regie: Léa's day
    is verified."""
    place = door(org_a)
    write_y4m(tmp_path / "card.y4m", card_pictures(page, [place["lea"]]))
    _context, scanner = phone(tmp_path / "card.y4m")
    log_in(scanner, "aline")
    scanner.goto("/scan/")
    scanner.locator("#card .name").wait_for()
    assert scanner.locator("#card .name").inner_text() == "Léa Lambert"
    assert "Entrée enregistrée à" in scanner.locator("#card .done").inner_text()
    assert "Arachides" in scanner.locator("#card .alerts").inner_text()
    assert "Martin" not in scanner.content()  # the doctor is not an alert
    scanner.locator("#card [data-person]").filter(has_text="Sophie Lambert").click()

    (event,) = eventually(lambda: events_of(org_a))
    assert (event.child.first_name, event.direction, event.person.first_name) == (
        "Léa",
        "entry",
        "Sophie",
    )
    assert (event.place_id, event.recorded_by.username, event.date) == (
        place["centre"].pk,
        "aline",
        place["today"],
    )
    with scope(org_a):
        # The scan's day is written right after the event (both by the same request).
        day = eventually(
            lambda: Day.objects.filter(child=place["lea"], date=place["today"]).first()
        )
        day = day_verify(day)
    assert day.status == DayStatus.VERIFIED
    scanner.locator("#pending[data-count='0']").wait_for()

    recorded = scanner.evaluate("performance.getEntriesByName('scan-recorded')[0].duration")
    code = first_load_code(scanner)
    decoder = code.pop("jsQR.js", 0)
    print(f"\nscan recorded on the phone in {recorded:.1f} ms; first load {sum(code.values())} B")
    print(f"of code {code}; the decoder (no BarcodeDetector) {decoder} B")
    assert sum(code.values()) < 200_000

    scanner.locator(".tabs [data-tab='present']").click()
    present = scanner.locator("#present-list li[data-child]")
    present.first.wait_for()
    assert present.count() == 1 and "Léa Lambert" in present.inner_text()
    assert "Sophie Lambert" in present.inner_text() and "Arachides" in present.inner_text()
    assert scanner.locator("#closing").inner_text() == "Fermeture à 23:59."
    # From a quarter of an hour before closing, the children still present stand out.
    assert scanner.evaluate(
        """async () => {
            const { closingSoon: soon } = await import("/static/scanning/present.js");
            return [soon("18:00", "17:44"), soon("18:00", "17:45"), soon(null, "19:00")];
        }"""
    ) == [False, True, False]
    scanner.screenshot(path=shots(tmp_path) / "scanning-scan.png")
    assert axe_violations(scanner) == []


def test_three_scans_offline_survive_a_reload_and_are_sent_once(page, phone, org_a, tmp_path):
    """Offline, the camera reads three cards; the app is reloaded; back online, Regie has
    exactly three events, and sending the same batch again adds nothing."""
    place = door(org_a)
    kids = [place["lea"], place["tom"], place["zoe"]]
    write_y4m(tmp_path / "cards.y4m", card_pictures(page, kids), lead_in=8)
    context, scanner = phone(tmp_path / "cards.y4m")
    log_in(scanner, "aline")
    scanner.goto("/scan/")
    scanner.locator("#camera-msg").filter(has_text="Présentez une carte").wait_for()
    scanner.locator("#camera-toggle").click()  # stopped before the first card comes
    decoder = scanner.locator("body").get_attribute("data-jsqr")
    scanner.wait_for_function("async (url) => Boolean(await caches.match(url))", arg=decoder)

    context.set_offline(True)
    scanner.locator("#camera-toggle").click()
    scanner.locator("#pending[data-count='3']").wait_for(timeout=60000)
    assert "hors ligne" in scanner.locator("#pending").inner_text()
    assert events_of(org_a) == []

    scanner.reload()
    scanner.locator("#pending[data-count='3']").wait_for()
    scanner.locator(".tabs [data-tab='present']").click()
    scanner.locator("#present-list li[data-child]").nth(2).wait_for()
    scanner.screenshot(path=shots(tmp_path) / "scanning-present.png")
    assert axe_violations(scanner) == []

    context.set_offline(False)
    scanner.locator("#pending[data-count='0']").wait_for()
    events = eventually(lambda: len(events_of(org_a)) == 3 and events_of(org_a))
    assert sorted(e.child.first_name for e in events) == ["Léa", "Tom", "Zoé"]

    batch = [
        {
            "client_event_id": str(e.client_event_id),
            "token": e.child.scan_token,
            "place_id": e.place_id,
            "at": f"{e.date}T{e.time:%H:%M}",
            "direction": e.direction,
        }
        for e in events
    ]
    again = scanner.evaluate(
        """async (events) => {
            const { api } = await import("/static/scanning/sync.js");
            return (await api("scans", { body: { events } })).data;
        }""",
        batch,
    )
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    assert len(events_of(org_a)) == 3
