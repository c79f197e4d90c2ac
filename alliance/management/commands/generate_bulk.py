from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from alliance.core import workcalendar
from alliance.demo.bulk import BASE_MOMENT, BulkDataExists, generate_bulk, rows_of


def _base_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("--base must be an ISO date or date and time, e.g. 2026-11-20T17:30.")
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=workcalendar.TIMEZONE)
    return moment


class Command(BaseCommand):
    help = (
        "Fill the database with generated, skewed data for load tests: one park at --scale 1 "
        "(2,000 firms, 30,000 needs), a province at --scale 100. The same seed, scale and base "
        "moment give the same data. Refuses when generated data is already present."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help=_("1 = one park."))
        parser.add_argument("--seed", type=int, default=42, help=_("Random seed."))
        parser.add_argument(
            "--base",
            default=BASE_MOMENT.isoformat(),
            help=_("The moment the data describes (Beijing time when no offset is given)."),
        )
        parser.add_argument(
            "--password",
            default="",
            help=_(
                "One password for every generated user (hashed once); by default they cannot "
                "sign in."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Generate even though DEBUG is off."),
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "Refusing to generate bulk data: DEBUG is off, so this looks like a "
                    "production server. Run with --force if you really want it here."
                )
            )
        if options["scale"] <= 0:
            raise CommandError(_("--scale must be positive."))
        verbose = options["verbosity"] >= 1

        def progress(table: str, count: int, seconds: float) -> None:
            if verbose:
                self.stdout.write(f"  {table}: {count:,} rows in {seconds:.1f} s")

        try:
            result = generate_bulk(
                seed=options["seed"],
                scale=options["scale"],
                base=_base_moment(options["base"]),
                password=options["password"] or None,
                progress=progress,
            )
        except BulkDataExists as error:
            raise CommandError(
                _(
                    "This database already holds generated data (users named bulk-…). "
                    "Generate into an empty database, or flush this one first."
                )
            ) from error
        total = sum(count for _table, count, _seconds in rows_of(result))
        self.stdout.write(
            self.style.SUCCESS(
                _("Generated %(rows)s rows in %(seconds).1f s.")
                % {"rows": f"{total:,}", "seconds": result.total_seconds}
            )
        )
