"""Where a form sends the person back to: the posted `next`, when it is a path of this site.

`next` comes from the browser, so it is only ever used as a path on this host: anything with a
scheme or a host of its own (an open redirect), and anything that is not a path at all, is
ignored for the view's own fallback. It is never handed to `redirect()`, which would try a bare
word such as ``abc`` as a URL name and fail with a server error.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The posted (or, for a GET, queried) `next` if it is a local absolute path, else
    `fallback`."""
    data = request.POST if request.method == "POST" else request.GET
    target = data.get(field, "")
    # A leading slash makes it a path; the check refuses "//host" and "/\\host", which browsers
    # read as another host. HttpResponseRedirect percent-encodes what a header cannot carry.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_to_next(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next_url(request, fallback))
