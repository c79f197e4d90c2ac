from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from liaisons.models import (
    NEED_TRANSITIONS,
    AppendOnlyError,
    NeedStatus,
    split_tags,
)
from tests.factories import (
    DepartmentResourceFactory,
    EnterpriseFactory,
    LiaisonAssignmentFactory,
    LiaisonFactory,
    NeedEventFactory,
    NeedFactory,
    TaskForceMembershipFactory,
)

pytestmark = pytest.mark.django_db


def test_one_active_primary_liaison_per_enterprise():
    assignment = LiaisonAssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignmentFactory(enterprise=assignment.enterprise)
    # A secondary liaison is fine, and so is a new primary once the old one has ended.
    LiaisonAssignmentFactory(enterprise=assignment.enterprise, is_primary=False)
    assignment.until = date(2026, 6, 30)
    assignment.save()
    LiaisonAssignmentFactory(enterprise=assignment.enterprise, since=date(2026, 7, 1))


def test_primary_conflict_is_a_validation_error_in_forms():
    assignment = LiaisonAssignmentFactory()
    other = LiaisonAssignmentFactory.build(
        liaison=LiaisonFactory(), enterprise=assignment.enterprise, since=date(2026, 2, 1)
    )
    with pytest.raises(ValidationError):
        other.full_clean()


def test_assignment_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignmentFactory(since=date(2026, 5, 1), until=date(2026, 4, 1))


def test_one_task_force_lead_per_chain():
    lead = TaskForceMembershipFactory(is_lead=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskForceMembershipFactory(chain=lead.chain, is_lead=True)
    TaskForceMembershipFactory(chain=lead.chain, is_lead=False)


def test_resource_validity_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentResourceFactory(valid_from=date(2026, 5, 1), valid_until=date(2026, 1, 1))


def test_need_number_unique():
    need = NeedFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(number=need.number)


def test_closed_need_must_have_closed_at():
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(status=NeedStatus.CLOSED)
    NeedFactory(status=NeedStatus.CLOSED, closed_at=timezone.now())


def test_merged_need_points_at_its_master_and_only_then():
    master = NeedFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(status=NeedStatus.MERGED)
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(status=NeedStatus.SUBMITTED, merged_into=master)
    NeedFactory(status=NeedStatus.MERGED, merged_into=master)


def test_need_cannot_be_merged_into_itself():
    need = NeedFactory()
    need.status = NeedStatus.MERGED
    need.merged_into = need
    with pytest.raises(IntegrityError), transaction.atomic():
        need.save()


def test_submitted_need_has_submission_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(status=NeedStatus.SUBMITTED, submitted_at=None)
    NeedFactory(status=NeedStatus.DRAFT, submitted_at=None)


def test_unknown_status_refused_by_database():
    need = NeedFactory()
    need.status = "lost"
    with pytest.raises(IntegrityError), transaction.atomic():
        need.save()


def test_transition_table_covers_every_status_and_only_known_targets():
    assert set(NEED_TRANSITIONS) == set(NeedStatus.values)
    for targets in NEED_TRANSITIONS.values():
        assert targets <= set(NeedStatus.values)
    # Final states go nowhere; a draft can only be submitted.
    for final in (NeedStatus.REJECTED, NeedStatus.MERGED):
        assert NEED_TRANSITIONS[final] == frozenset()
    assert NEED_TRANSITIONS[NeedStatus.CLOSED] == {NeedStatus.REOPENED}
    assert NEED_TRANSITIONS[NeedStatus.DRAFT] == {NeedStatus.SUBMITTED}


def test_can_transition_to_follows_the_table():
    need = NeedFactory.build(enterprise=EnterpriseFactory(), status=NeedStatus.SUBMITTED)
    assert need.can_transition_to(NeedStatus.ACCEPTED)
    assert not need.can_transition_to(NeedStatus.CLOSED)


def test_need_timeline_is_append_only():
    event = NeedEventFactory()
    event.note = "改写历史"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.refresh_from_db()
    assert event.note == "电话联系企业。"


def test_split_tags_accepts_chinese_separators():
    assert split_tags("企业党建、人才招引，融资, 专精特新申报;") == [
        "企业党建",
        "人才招引",
        "融资",
        "专精特新申报",
    ]
