"""``regie apitoken``: API tokens of users, for finance integrations (see docs/api.md).

``regie apitoken create USERNAME [--organisation ID] [--name NAME]`` creates a token acting as
the user in the organisation (needed when the user belongs to several) and prints its secret
once; ``regie apitoken list [USERNAME]`` lists tokens without their secrets;
``regie apitoken revoke ID`` revokes one at once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from regie.core.api_tokens import api_token_create, api_token_revoke
from regie.core.errors import DomainError
from regie.core.models import ApiToken, Membership, User


class Command(BaseCommand):
    help = "Create, list and revoke the API tokens of users (finance integrations)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help="Create a token acting as a user; print its secret once."
        )
        create.add_argument("username")
        create.add_argument(
            "--organisation", help="Id or enterprise number (when the user has several)."
        )
        create.add_argument("--name", default="API", help="What the token is for.")
        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, username: str, organisation: str | None, name: str, **_options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        memberships = Membership.objects.filter(user=user, is_active=True).select_related(
            "organisation"
        )
        if organisation:
            wanted = Q(organisation__enterprise_number=organisation)
            if organisation.isdigit():
                wanted |= Q(organisation_id=int(organisation))
            memberships = memberships.filter(wanted)
        chosen = list(memberships[:2])
        if not chosen:
            raise CommandError(f"{username} is no active member of such an organisation.")
        if len(chosen) > 1:
            raise CommandError(f"{username} belongs to several organisations: use --organisation.")
        try:
            token, secret = api_token_create(
                user=user, organisation=chosen[0].organisation, name=name
            )
        except DomainError as error:
            raise CommandError(error.english()) from None
        self.stdout.write(
            f"Token {token.pk} “{token.name}” of {username} in {token.organisation} "
            f"({chosen[0].get_role_display()}):\n{secret}\n"
            "Keep it now: it is shown only this once (only its fingerprint is kept)."
        )

    def _list(self, *, username: str | None, **_options):
        tokens = ApiToken.unscoped_objects.select_related("user", "organisation").order_by("pk")
        if username:
            tokens = tokens.filter(user__username=username)
        for token in tokens:
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.hint}…\t{token.user.username}\t{token.organisation}\t"
                f"{token.name}\t{state}\tlast used {used}"
            )

    def _revoke(self, *, id: int, **_options):
        token = ApiToken.unscoped_objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"No API token has the id {id}.")
        api_token_revoke(token)
        self.stdout.write(f"Token {token.pk} “{token.name}” is revoked.")
