"""Writes behind the dashboards: staff record a chain's figures and its signed projects."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from chains.models import ChainIndicator, IndustryChain
from enterprises.models import SignedProject

logger = logging.getLogger(__name__)


class FigureConflict(Exception):
    """Another row already holds this chain's period (or project name)."""


INDICATOR_FIELDS = (
    "year",
    "period_kind",
    "period_index",
    "output_value",
    "yoy_growth",
    "new_projects",
    "notes",
)
PROJECT_FIELDS = ("name", "enterprise", "investment", "signed_on")


def _save(model, *, chain: IndustryChain, fields, data: dict[str, Any], pk: int | None, actor):
    try:
        with transaction.atomic():
            if pk is None:
                row = model(chain=chain)
            else:
                # Lock the row: two staff saving the same figures at once apply one after the other.
                row = model.objects.select_for_update().get(pk=pk, chain=chain)
            for name in fields:
                setattr(row, name, data[name])
            row.save()
    except IntegrityError as error:
        # The form checked for a duplicate; this is the race where someone saved it meanwhile.
        raise FigureConflict(str(error)) from error
    logger.info("%s %s of chain %s saved by user %s", model.__name__, row.pk, chain.code, actor.pk)
    return row


def chain_indicator_save(
    *, chain: IndustryChain, data: dict[str, Any], actor, pk: int | None = None
) -> ChainIndicator:
    """Create (pk None) or update a chain's figures for one period."""
    return _save(
        ChainIndicator, chain=chain, fields=INDICATOR_FIELDS, data=data, pk=pk, actor=actor
    )


def signed_project_save(
    *, chain: IndustryChain, data: dict[str, Any], actor, pk: int | None = None
) -> SignedProject:
    """Create (pk None) or update a project signed for the chain."""
    return _save(SignedProject, chain=chain, fields=PROJECT_FIELDS, data=data, pk=pk, actor=actor)
