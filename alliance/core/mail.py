"""E-mail backends of the portal."""

from __future__ import annotations

import io
import logging

from django.core.mail.backends import console

logger = logging.getLogger(__name__)


class ConsoleEmailBackend(console.EmailBackend):
    """The development backend (EMAIL_URL=consolemail://): each message goes to the log at INFO
    instead of to stdout. A Celery worker turns whatever a task prints into WARNING records
    (celery.redirected), so the console backend of Django made every e-mail a warning."""

    def write_message(self, message) -> None:
        real, self.stream = self.stream, io.StringIO()
        try:
            super().write_message(message)
            text = self.stream.getvalue()
        finally:
            self.stream = real
        logger.info("E-mail written to the log, not sent:\n%s", text.rstrip("\n-"))
