"""Platform maintenance of a user's second factor: ``regie secondfactor reset USERNAME``."""

from django.core.management.base import BaseCommand, CommandError

from regie.core.models import User
from regie.security.services import second_factor_reset_platform


class Command(BaseCommand):
    help = (
        "Reset a user's second factor (they set up a new one at their next login); "
        "written to the audit log of each of their organisations."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reset"])
        parser.add_argument("username")

    def handle(self, *args, action, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        removed = second_factor_reset_platform(user=user)
        if removed:
            self.stdout.write(f"The second factor of {username} is reset.")
        else:
            self.stdout.write(f"{username} had no second factor.")
