"""System checks of the portal's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def check_portal_base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E-mails, calendar files and feeds and the door QR codes carry the portal's address; on a
    server, an address on the machine itself reaches nobody who receives them."""
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or ""
    if settings.DEBUG or not _is_loopback(host):
        return []
    return [
        checks.Warning(
            f"DJANGO_PORTAL_BASE_URL is {settings.PORTAL_BASE_URL}, an address of this machine: "
            "links in e-mails, .ics files, calendar feeds and QR codes would not reach anyone.",
            hint="Set DJANGO_PORTAL_BASE_URL to the address people open, "
            "e.g. https://portal.example.cn.",
            id="alliance.W001",
        )
    ]
