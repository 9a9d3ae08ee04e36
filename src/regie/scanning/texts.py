"""The scanning app's messages, in the user's language, handed to its scripts as JSON."""

from __future__ import annotations

from django.utils.translation import gettext as _


def texts() -> dict[str, str]:
    """Return the texts the app's scripts show (``%(name)s`` placeholders filled in there)."""
    return {
        "pending_none": _("All scans sent"),
        "pending_one": _("1 scan waiting to be sent"),
        "pending_many": _("%(count)s scans waiting to be sent"),
        "offline": _("offline"),
        "signed_in_device": _("Phone: %(name)s"),
        "entry": _("Entry"),
        "exit": _("Exit"),
        "recorded": _("%(direction)s recorded at %(time)s"),
        "already": _("Already recorded at %(time)s: not recorded again."),
        "unknown_card": _("Unknown card: no child of this place has it. Use the search by name."),
        "dropped_off_by": _("Dropped off by"),
        "picked_up_by": _("Picked up by"),
        "person_saved": _("%(name)s noted."),
        "done": _("OK"),
        "alerts": _("Medical alerts"),
        "since": _("since %(time)s"),
        "may_pick_up": _("May pick up:"),
        "nobody_present": _("No child is present."),
        "closing": _("Closing at %(time)s."),
        "still_present": _("Still present at closing time"),
        "closing_unknown": _("No activity today at this place."),
        "camera_start": _("Start the camera"),
        "camera_stop": _("Stop the camera"),
        "camera_denied": _(
            "The camera cannot be used: allow it in the browser, or search by name."
        ),
        "camera_ready": _("Show a card to the camera."),
        "no_results": _("No child of this place has this name."),
        "rejected": _("Refused by Regie (tell the coordinator):"),
        "signed_out": _("Your session has ended: sign in again; waiting scans are kept."),
        "level": _("Level"),
    }
