from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from alliance.core.backup import BackupError, backup_create


def file_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} B" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files (MEDIA_ROOT) into one folder "
        "hongchain-<time> with a manifest of row counts and checksums. Safe while the portal "
        "runs. DJANGO_SECRET_KEY and .env are not in it: keep them separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Folder to write the backup into (default: var/backups under DJANGO_VAR_DIR).",
        )

    def handle(self, *args, output: Path | None = None, **options) -> None:
        try:
            result = backup_create(
                output_dir=output or settings.VAR_DIR / "backups",
                progress=self.stdout.write if options["verbosity"] >= 1 else None,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup written to %(path)s in %(seconds).1f s.")
                % {"path": result.path, "seconds": result.seconds}
            )
        )
        self.stdout.write(
            "  "
            + _("database: %(tables)d tables, %(rows)d rows, %(size)s")
            % {
                "tables": len(result.tables),
                "rows": result.rows,
                "size": file_size(result.database_bytes),
            }
        )
        self.stdout.write(
            "  "
            + _("media: %(files)d files, %(size)s")
            % {"files": result.media_files, "size": file_size(result.media_bytes)}
        )
        self.stdout.write(
            _(
                "Copy it to another machine. Keep .env (DJANGO_SECRET_KEY and the passwords) "
                "separately: the backup does not hold it."
            )
        )
