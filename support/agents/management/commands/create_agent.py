import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from support.agents.models import Role
from support.agents.services import create_agent, issue_token
from support.common.errors import SupportError


class Command(BaseCommand):
    help = "Create an agent (or supervisor) and print its API token as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agent_id", help="e.g. agent_456; also the login name")
        parser.add_argument("--supervisor", action="store_true", help="make a supervisor")
        parser.add_argument("--languages", default="en", help="comma-separated: en,ml,ml-Latn")
        parser.add_argument("--name", default="", help="display name shown to customers")
        parser.add_argument(
            "--password",
            default=None,
            help="password for the console; '-' reads it from standard input (so that it "
            "stays out of the shell's history and the process list)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password == "-":  # noqa: S105 - the stdin marker, not a password
            password = sys.stdin.readline().rstrip("\n")
        if password is not None:
            try:  # the same rules as a password changed in the admin
                validate_password(password, user=get_user_model()(username=options["agent_id"]))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        try:
            agent = create_agent(
                agent_id=options["agent_id"],
                display_name=options["name"],
                role=Role.SUPERVISOR if options["supervisor"] else Role.AGENT,
                languages=options["languages"].split(","),
                password=password,
            )
        except SupportError as error:
            raise CommandError(error.detail) from error
        token = issue_token(user=agent.user, label="create_agent")
        self.stdout.write(
            f"Created {agent.role} {agent.agent_id} ({agent.display_name}), "
            f"languages {','.join(agent.languages)}. API token:"
        )
        self.stdout.write(token)
