"""Writes on enterprises and their chain memberships."""

from __future__ import annotations

from collections.abc import Iterable

from enterprises.models import ChainMembership, Enterprise

# Enterprise ids per query, well below SQLite's limit on bound parameters.
CHUNK = 500


def membership_ensure_primary_chain(*, enterprises: Iterable[Enterprise]) -> list[ChainMembership]:
    """Make each enterprise a member of its primary chain; return the memberships added.

    A firm's 主产业链 is the chain it is counted in (chain dashboards, member counts, invitations
    by chain), and those count memberships. A new membership has the role 成员: being the chain
    leader or a core supplier is a decision the park records itself. An existing membership
    keeps its role (a 链主 is never downgraded), and memberships of other chains stay: a firm
    can serve several chains, and its earlier chain may still count it.
    """
    wanted = {
        (enterprise.pk, enterprise.primary_chain_id)
        for enterprise in enterprises
        if enterprise.pk is not None and enterprise.primary_chain_id is not None
    }
    ids = sorted({enterprise_id for enterprise_id, _chain_id in wanted})
    existing: set[tuple[int, int]] = set()
    for start in range(0, len(ids), CHUNK):
        existing.update(
            ChainMembership.objects.filter(enterprise_id__in=ids[start : start + CHUNK])
            .order_by()
            .values_list("enterprise_id", "chain_id")
        )
    added = [
        ChainMembership(enterprise_id=enterprise_id, chain_id=chain_id)
        for enterprise_id, chain_id in sorted(wanted - existing)
    ]
    # Someone adding the same membership meanwhile is no error: the firm is a member either way.
    ChainMembership.objects.bulk_create(added, ignore_conflicts=True)
    return added
