from typing import Any

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
        parser.add_argument("--password", default=None, help="password for the console")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            agent = create_agent(
                agent_id=options["agent_id"],
                display_name=options["name"],
                role=Role.SUPERVISOR if options["supervisor"] else Role.AGENT,
                languages=options["languages"].split(","),
                password=options["password"],
            )
        except SupportError as error:
            raise CommandError(error.detail) from error
        token = issue_token(user=agent.user, label="create_agent")
        self.stdout.write(
            f"Created {agent.role} {agent.agent_id} ({agent.display_name}), "
            f"languages {','.join(agent.languages)}. API token:"
        )
        self.stdout.write(token)
