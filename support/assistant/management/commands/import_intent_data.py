from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from support.assistant.nlu import public_data
from support.assistant.nlu.data import PUBLIC_DIR


class Command(BaseCommand):
    help = (
        "Copy the rows the assistant uses from the public intent data sets into "
        "support/assistant/data/public (deterministic; then run train_intents)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            default="/work/shared/data/intents",
            help="folder with the original files (see support/assistant/data/LICENSES.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        missing = [name for name in public_data.SOURCES if not (source / name).is_file()]
        if missing:
            raise CommandError(f"Missing in {source}: {', '.join(missing)}")
        counts = public_data.import_all(source, PUBLIC_DIR)
        for name, rows in counts.items():
            self.stdout.write(f"{name:18} {rows:6d} rows")
