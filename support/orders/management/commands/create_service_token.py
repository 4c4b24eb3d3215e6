from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from support.orders.models import ServiceToken
from support.orders.services import create_service_token


class Command(BaseCommand):
    help = "Create a service token for a backend (the shop) and print it as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who uses it, e.g. shop-backend")

    def handle(self, *args: Any, **options: Any) -> None:
        if ServiceToken.objects.filter(name=options["name"]).exists():
            raise CommandError(f"A service token named {options['name']} already exists.")
        token = create_service_token(name=options["name"])
        self.stdout.write(f"Service token for {options['name']} (Authorization: Bearer ...):")
        self.stdout.write(token)
