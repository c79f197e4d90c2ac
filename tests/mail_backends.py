"""E-mail backends for tests that run a real worker process."""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class HoldingFileBackend(filebased.EmailBackend):
    """One file per message, as Django's file backend; a message to an address that starts
    with "hold" waits until the file named by MAIL_HOLD_RELEASE exists (at most a minute), so a
    test can keep the worker busy in the middle of a send for as long as it needs."""

    def send_messages(self, messages):
        release = Path(os.environ["MAIL_HOLD_RELEASE"])
        if any(address.startswith("hold") for message in messages for address in message.to):
            deadline = time.monotonic() + 60
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(messages)
