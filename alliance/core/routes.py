"""URLs of many rows of one list, reversed once.

`reverse()` resolves the route and quotes its arguments on every call (docs/benchmarks.md):
on a list that links each of its rows to the row's page it is run 25–50 times a request for
URLs that differ only by an integer id.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_PROBE = 987654321


def id_urls(viewname: str, *, current_app: str | None = None) -> Callable[[int], str]:
    """A function of an integer id giving `reverse(viewname, args=[id])`: the route is reversed
    once with a probe id, then each id is written where the probe was. A route that does not
    write its id exactly once as the plain number is reversed for every id."""
    probe = str(_PROBE)
    url = reverse(viewname, args=[_PROBE], current_app=current_app)
    head, found, tail = url.partition(probe)
    if not found or probe in tail:

        def each(pk: int) -> str:
            return reverse(viewname, args=[pk], current_app=current_app)

        return each

    def fill(pk: int) -> str:
        return f"{head}{int(pk)}{tail}"

    return fill
