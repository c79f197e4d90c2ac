import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from alliance.demo import DemoResult, load_demo


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Load the demo world of the seed article (chains, firms, liaisons, needs, meetings) and "
        "one demo login per role. Safe to run again: existing rows are found and left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though DEBUG is off (the demo logins share a published password).",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "Refusing to load demo data: DEBUG is off, so this looks like a production "
                    "server, and the demo logins share a published password. Run with --force "
                    "if you really want the demo data here."
                )
            )
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    _("DEBUG is off: loading demo data with published passwords (--force).")
                )
            )
        result = load_demo()
        self._report(result, verbose=options["verbosity"] >= 2)

    def _report(self, result: DemoResult, *, verbose: bool) -> None:
        if verbose:
            for name, count in sorted(result.created.items()):
                self.stdout.write(f"  {name}: {count}")
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded: %(count)d rows created.") % {"count": result.total_created}
            )
        )
        self.stdout.write("")
        self.stdout.write(_("Demo logins (one per role, and every chain chief):"))
        header = [_("Role"), _("Username"), _("Password"), _("Name")]
        rows = [[login.role, login.username, login.password, login.name] for login in result.logins]
        self.stdout.write(format_table(header, rows))
