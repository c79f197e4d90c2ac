"""Filters of the portal's logging configuration (settings.LOGGING)."""

from __future__ import annotations

import logging


class DropFilesystemBrokerHostname(logging.Filter):
    """kombu warns on every connection that a URL without a host gets "localhost"; the embedded
    broker (filesystem://) has no host by design, so the warning would greet every `make run`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No hostname was supplied.")
