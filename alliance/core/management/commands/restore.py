from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from alliance.core.backup import BackupError, backup_restore, database_from_url
from alliance.core.management.commands.backup import file_size


class Command(BaseCommand):
    help = (
        "Restore a folder written by manage.py backup into a new or empty database and media "
        "folder (by default the configured DATABASE_URL and MEDIA_ROOT). Every checksum is "
        "checked before anything is written. Stop web, worker and beat first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The backup folder (hongchain-<time>).")
        parser.add_argument(
            "--database-url",
            default=None,
            help="Restore into this database instead (created if it does not exist).",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            default=None,
            help="Restore the uploaded files into this folder instead of MEDIA_ROOT.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what the database and the media folder hold.",
        )

    def handle(self, *args, archive: Path, **options) -> None:
        try:
            database = (
                database_from_url(options["database_url"]) if options["database_url"] else None
            )
            result = backup_restore(
                archive=archive,
                database=database,
                media_root=options["media_root"],
                force=options["force"],
                progress=self.stdout.write if options["verbosity"] >= 1 else None,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored the backup of %(time)s in %(seconds).1f s.")
                % {"time": result.created_at, "seconds": result.seconds}
            )
        )
        self.stdout.write(
            "  "
            + _("%(database)s: %(tables)d tables, %(rows)d rows, as counted at the backup")
            % {"database": result.database, "tables": len(result.tables), "rows": result.rows}
        )
        self.stdout.write(
            "  "
            + _("media folder %(path)s: %(files)d files, %(size)s, every checksum matches")
            % {
                "path": result.media_root,
                "files": result.media_files,
                "size": file_size(result.media_bytes),
            }
        )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "This code has %(count)d migration(s) the backup lacks: run "
                        "manage.py migrate before starting the portal."
                    )
                    % {"count": len(result.pending_migrations)}
                )
            )
        if result.unknown_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The backup was made by newer code (%(count)d migration(s) unknown "
                        "here, e.g. %(name)s): run the portal's version it was made with."
                    )
                    % {
                        "count": len(result.unknown_migrations),
                        "name": result.unknown_migrations[0],
                    }
                )
            )
        self.stdout.write(
            _(
                "Put back .env with the old DJANGO_SECRET_KEY (with a new one everyone signs in "
                "again); beat writes a new schedule file by itself."
            )
        )
