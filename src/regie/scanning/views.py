"""The scanning app's pages: the app shell, its service worker and manifest; pairing phones."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import segno
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from regie.attendance.models import Device
from regie.core.views import require_capability
from regie.scanning.services import device_pairing_start
from regie.scanning.texts import texts

#: The files the service worker keeps at once for offline use. The QR decoder (a browser
#: without BarcodeDetector fetches it when the camera starts) is kept when first fetched.
ASSETS = (
    "scanning/app.css",
    "scanning/app.js",
    "scanning/store.js",
    "scanning/sync.js",
    "scanning/camera.js",
    "scanning/present.js",
    "scanning/feedback.js",
    "scanning/ui.js",
    "scanning/icon.svg",
)


@functools.cache
def assets_version() -> str:
    """Return a fingerprint of the shell's files: a new version empties the phones' cache."""
    digest = hashlib.sha256()
    paths = [finders.find(name) for name in ASSETS]
    for path in (*paths, Path(__file__).parent / "templates/scanning/app.html"):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


@ensure_csrf_cookie
@cache_control(no_cache=True)
def app(request):
    """The app shell: no data in it (the phone asks the API), so it works offline."""
    return render(request, "scanning/app.html", {"texts": texts()})


@cache_control(no_cache=True)
def service_worker(request):
    """The service worker, scoped to ``/scan/``; its cache name changes with the shell."""
    assets = [static(name) for name in ASSETS]
    context = {"assets": assets, "version": assets_version(), "runtime": static("scanning/")}
    body = render_to_string("scanning/sw.js", context, request=request)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/scan/"
    return response


def manifest(request):
    """The web app manifest: the app can be added to a phone's home screen."""
    data = {
        "name": _("Regie — scanning at the door"),
        "short_name": _("Scanning"),
        "start_url": "/scan/",
        "scope": "/scan/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b4f6c",
        "icons": [
            {"src": static("scanning/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("scanning/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("scanning/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def devices(request):
    """List the scanning devices with a button to pair a phone with each."""
    require_capability(request, "config.edit")
    return render(request, "scanning/devices.html", {"devices": Device.objects.all()})


@require_POST
def device_pair(request, pk: int):
    """Give a device a new token and show it as a QR code for the phone to scan (once)."""
    require_capability(request, "config.edit")
    device = get_object_or_404(Device.objects, pk=pk)
    token = device_pairing_start(device=device)
    url = request.build_absolute_uri("/scan/") + "#device=" + token
    qr = segno.make(url, error="m").svg_inline(scale=5, title=device.name)
    return render(request, "scanning/pair.html", {"device": device, "url": url, "qr": qr})
