"""``makemessages`` that also extracts ``_lazy("...")``, the alias some modules give
``gettext_lazy`` beside ``_`` (xgettext only knows the standard names by itself)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
