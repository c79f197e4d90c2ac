"""The department resources list (部门资源清单): maintenance, suggestions on a need, and linking.

Maintenance: the head of a department and park staff create, edit, retire and delete the
department's resources. Retiring ends the validity yesterday (the resource stays, marked
expired, and needs that were offered it keep the link); deleting is allowed only while no need
links the resource. Every change is kept by simple-history with the person who made it.

Suggestions: `suggest_resources(need)` ranks the currently valid resources the need does not
link yet: same category first, then the text similarity of the need's title and description
with the resource's title, description and tags (Dice coefficient over character bigrams, so
Chinese needs no word segmentation), with a small boost for the 利链惠链政策包. Each suggestion
carries a reason that names only whole words (`liaisons.vocabulary`): a resource of another
category that shares no whole word with the need (only bigrams across words, like 业用 of 工业用地
and 企业用工) is not suggested. One query, whatever the number of resources.

Linking: the need's liaison or park staff link a suggested (or any currently valid) resource to
a need that is still being worked; the link and the unlink are public entries of the need's
timeline, and the firm is told when a resource is offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.staff import is_park_staff
from liaisons.exceptions import NeedActionError, NeedTransitionError
from liaisons.models import (
    Department,
    DepartmentResource,
    Need,
    NeedCategory,
    NeedEventAction,
    NeedStatus,
)
from liaisons.needs.services.common import (
    enterprise_users,
    is_liaison,
    log_event,
    notify_about_need,
    require_role,
)
from liaisons.needs.timeline import line
from liaisons.resources.selectors import current_q
from liaisons.vocabulary import LEXICON, STOP_WORDS, segment, words_of

# A resource may be linked or unlinked while the need is still being worked on. A closed,
# rejected or merged need keeps the resources it was offered, as a record.
LINK_STATUSES = frozenset(
    set(NeedStatus) - {NeedStatus.DRAFT, NeedStatus.CLOSED, NeedStatus.REJECTED, NeedStatus.MERGED}
)
SUGGESTION_LIMIT = 5
POLICY_PACKAGE_BOOST = 0.05
SHARED_WORDS_SHOWN = 4
RESOURCE_FIELDS = (
    "department",
    "title",
    "category",
    "description",
    "how_to_apply",
    "contact",
    "valid_from",
    "valid_until",
    "is_policy_package",
    "tags",
)


class ResourceError(Exception):
    """A change to a resource was refused; `message` is translated, for the person acting."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class ResourcePermissionError(ResourceError):
    """The person does not maintain this department's resources (views answer 404 first)."""


# --- Maintenance ---------------------------------------------------------------------------------


def can_manage_department(user: User, department: Department | None) -> bool:
    if department is None or not (user and user.is_authenticated and user.is_active):
        return False
    return department.head_id == user.pk or is_park_staff(user)


def _require_manager(user: User, department: Department | None) -> None:
    if not can_manage_department(user, department):
        raise ResourcePermissionError(_("You do not maintain this department's resources."))


def _validate(resource: DepartmentResource) -> None:
    try:
        resource.full_clean()
    except ValidationError as error:
        raise ResourceError(" ".join(error.messages)) from error


def resource_create(*, actor: User, **fields) -> DepartmentResource:
    """A new resource of `fields["department"]`, which the actor must maintain."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown resource fields: {sorted(unknown)}")
    with transaction.atomic():
        _require_manager(actor, fields.get("department"))
        resource = DepartmentResource(**fields)
        _validate(resource)
        resource._history_user = actor
        resource.save()
    return resource


def _lock(resource: DepartmentResource) -> DepartmentResource:
    locked = (
        DepartmentResource.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(pk=resource.pk)
        .first()
    )
    if locked is None:
        raise ResourceError(_("This resource no longer exists."))
    return locked


def resource_update(*, resource: DepartmentResource, actor: User, **fields) -> DepartmentResource:
    """Change a resource. Moving it to another department needs the right on both."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown resource fields: {sorted(unknown)}")
    with transaction.atomic():
        resource = _lock(resource)
        _require_manager(actor, resource.department)
        if "department" in fields:
            _require_manager(actor, fields["department"])
        for name, value in fields.items():
            setattr(resource, name, value)
        _validate(resource)
        resource._history_user = actor
        resource.save()
    return resource


def resource_retire(
    *, resource: DepartmentResource, actor: User, today: date | None = None
) -> DepartmentResource:
    """End the resource's validity yesterday: from today it is expired, no longer suggested and
    no longer linkable, but listed (marked expired) and kept on the needs that link it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        resource = _lock(resource)
        _require_manager(actor, resource.department)
        if resource.is_expired(today):
            raise ResourceError(
                _("“%(title)s” has already expired on %(date)s.")
                % {"title": resource.title, "date": resource.valid_until.isoformat()}
            )
        resource.valid_until = today - timedelta(days=1)
        if resource.valid_from is not None and resource.valid_from > resource.valid_until:
            # It never ran: the range collapses to one past day (the history keeps the old one).
            resource.valid_from = resource.valid_until
        resource._history_user = actor
        resource._change_reason = "retired"
        resource.save(update_fields=["valid_from", "valid_until", "updated_at"])
    return resource


def resource_delete(*, resource: DepartmentResource, actor: User) -> None:
    """Delete a resource that no need links; a linked one must be retired instead."""
    with transaction.atomic():
        resource = _lock(resource)
        _require_manager(actor, resource.department)
        if resource.needs.exists():
            raise ResourceError(
                _(
                    "“%(title)s” has been offered on needs, so it cannot be deleted: "
                    "retire it instead, and their records keep it."
                )
                % {"title": resource.title}
            )
        resource._history_user = actor
        resource.delete()


# --- Suggestions ---------------------------------------------------------------------------------

# Runs of Chinese characters (CJK unified ideographs and extension A) or of Latin letters/digits;
# everything else (punctuation of both widths, spaces) separates them.
_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")
# Bigrams found in almost every need and resource: they say nothing about a match.
STOP_BIGRAMS = frozenset(
    {
        "企业",
        "公司",
        "需要",
        "需求",
        "我们",
        "进行",
        "相关",
        "有限",
        "限公",
        "提供",
        "目前",
        "希望",
        "问题",
        "一个",
        "没有",
        "可以",
        "情况",
        "工作",
        "园区",
    }
)


def _runs(text: str) -> list[str]:
    return _RUN_RE.findall(text or "")


def _is_chinese(run: str) -> bool:
    return not run.isascii()


def text_terms(text: str) -> set[str]:
    """The terms two texts are compared on: the character bigrams of each Chinese run (a lone
    character is too weak to count) and the lower-cased Latin words and numbers of two or more
    characters, minus the stop bigrams."""
    terms: set[str] = set()
    for run in _runs(text):
        if _is_chinese(run):
            terms.update(run[i : i + 2] for i in range(len(run) - 1))
        elif len(run) >= 2:
            terms.add(run.lower())
    return terms - STOP_BIGRAMS


def dice(first: set[str], second: set[str]) -> float:
    """Dice coefficient of two term sets: 2·|A∩B| / (|A|+|B|), 0 when either is empty."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


def shared_words(text: str, other_text: str, vocabulary: frozenset[str] | set[str]) -> list[str]:
    """The whole words `text` shares with the other text, for people to read.

    `text` is cut into the longest words of `vocabulary` (`liaisons.vocabulary.segment`); a
    word, or a run of consecutive words (贷款 + 担保 → 贷款担保), counts when the other text has
    it as written. Common words (STOP_WORDS) are not named unless inside a longer word; shorter
    words inside a longer one shown are left out; longest first, then in order of appearance.
    Latin words and numbers of two or more characters count as they are."""
    words: list[str] = []
    other_folded = (other_text or "").casefold()
    other_latin = {run.lower() for run in _runs(other_text) if not _is_chinese(run)}
    for run in _runs(text):
        if not _is_chinese(run):
            if len(run) >= 2 and run.lower() in other_latin:
                words.append(run)
            continue
        pieces = segment(run, vocabulary)
        i = 0
        while i < len(pieces):
            # The longest run of whole words from here that the other text has as written (if
            # the first word is missing from it, so is any run starting with it).
            end, joined = i, ""
            while end < len(pieces) and pieces[end][1]:
                if joined + pieces[end][0] not in other_folded:
                    break
                joined += pieces[end][0]
                end += 1
            if end == i:
                # The other text lacks this word but may have a word inside it (数字化改造 and
                # 智能化改造 share 改造).
                if pieces[i][1]:
                    words.extend(_inner_words(pieces[i][0], other_folded, vocabulary))
                i += 1
                continue
            run_words = [piece for piece, _known in pieces[i:end]]
            while run_words and run_words[0] in STOP_WORDS:
                run_words.pop(0)
            while run_words and run_words[-1] in STOP_WORDS:
                run_words.pop()
            if run_words:
                words.append("".join(run_words))
            i = end
    unique = list(dict.fromkeys(words))
    # 贷款 says nothing more once 贷款担保 is shown.
    kept = [w for w in unique if not any(w != longer and w in longer for longer in unique)]
    order = {word: index for index, word in enumerate(kept)}
    return sorted(kept, key=lambda word: (-len(word), order[word]))


def _inner_words(word: str, other_folded: str, vocabulary: frozenset[str] | set[str]) -> list[str]:
    """The known words strictly inside `word` that the other text has (common words left out)."""
    return [
        word[start:stop]
        for start in range(len(word))
        for stop in range(start + 2, len(word) + 1)
        if (stop - start) < len(word)
        and word[start:stop] in vocabulary
        and word[start:stop] not in STOP_WORDS
        and word[start:stop] in other_folded
    ]


def _category_words() -> set[str]:
    # The Chinese names of the categories (融资, 场地用地…), whatever the reader's language.
    with translation.override("zh-hans"):
        return words_of(str(label) for label in NeedCategory.labels)


@dataclass
class Suggestion:
    resource: DepartmentResource
    same_category: bool
    similarity: float
    score: float
    words: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """Why it is suggested, in the reader's language: 同属「融资」类；共同词：贷款、担保."""
        parts = []
        if self.same_category:
            parts.append(
                _("Same category “%(category)s”")
                % {"category": NeedCategory(self.resource.category).label}
            )
        if self.words:
            separator = _(", ")  # 、 in Chinese
            parts.append(
                _("Shared words: %(words)s")
                % {"words": separator.join(self.words[:SHARED_WORDS_SHOWN])}
            )
        if self.resource.is_policy_package:
            parts.append(_("Part of the chain policy package"))
        return _("; ").join(parts)  # ； in Chinese


def need_text(need: Need) -> str:
    return f"{need.title}\n{need.description}"


def resource_text(resource: DepartmentResource) -> str:
    return f"{resource.title}\n{resource.description}\n{resource.tags}"


def suggest_resources(
    need: Need, limit: int = SUGGESTION_LIMIT, *, today: date | None = None
) -> list[Suggestion]:
    """The best `limit` currently valid resources for `need` that it does not link yet.

    A resource qualifies by the same category or by at least one whole word shared with the
    need (the reason names it). Ranked by the same category first, then by score (similarity,
    plus POLICY_PACKAGE_BOOST for the policy package), then by title. One query; the scoring is
    in Python over the candidates' text.
    """
    today = today or timezone.localdate()
    text = need_text(need)
    terms = text_terms(text)
    known = LEXICON | _category_words()
    candidates = (
        DepartmentResource.objects.filter(current_q(today))
        .exclude(
            pk__in=Need.resources.through.objects.filter(need=need).values("departmentresource")
        )
        .select_related("department")
        .order_by("pk")
    )
    ranked: list[Suggestion] = []
    for resource in candidates.iterator(chunk_size=500):
        other_text = resource_text(resource)
        other_terms = text_terms(other_text)
        same_category = resource.category == need.category
        words = []
        if terms & other_terms:
            # The resource's own tags and title pieces are words too (人才公寓, 标准地).
            vocabulary = known | words_of([resource.title, resource.tags])
            words = shared_words(text, other_text, vocabulary)
        if not (same_category or words):
            continue
        similarity = dice(terms, other_terms)
        score = similarity + (POLICY_PACKAGE_BOOST if resource.is_policy_package else 0.0)
        suggestion = Suggestion(
            resource=resource,
            same_category=same_category,
            similarity=similarity,
            score=score,
            words=words,
        )
        ranked.append(suggestion)
        if len(ranked) > 4 * limit:
            # Keep memory bounded by the limit, not by the number of resources.
            ranked = _rank(ranked)[:limit]
    return _rank(ranked)[:limit]


def _rank(suggestions: list[Suggestion]) -> list[Suggestion]:
    return sorted(
        suggestions,
        key=lambda s: (not s.same_category, -s.score, s.resource.title, s.resource.pk),
    )


# --- Linking -----------------------------------------------------------------------------------


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=need.pk)


def _require_linkable(need: Need) -> None:
    if need.status not in LINK_STATUSES:
        raise NeedTransitionError(
            _("Resources cannot be linked or unlinked while need %(number)s is “%(status)s”.")
            % {"number": need.number, "status": need.get_status_display()}
        )


def _require_linker(actor: User, need: Need) -> None:
    require_role(is_park_staff(actor) or is_liaison(actor, need))


def _lock_resource(resource: DepartmentResource) -> DepartmentResource:
    locked = (
        DepartmentResource.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(pk=resource.pk)
        .first()
    )
    if locked is None:
        raise NeedActionError(_("This resource no longer exists."))
    return locked


def link_resource(
    *,
    need: Need,
    resource: DepartmentResource,
    actor: User,
    today: date | None = None,
    now: datetime | None = None,
) -> Need:
    """Offer `resource` on `need`: the link, a public timeline entry and a word to the firm."""
    today = today or timezone.localdate()
    with transaction.atomic():
        need = _lock_need(need)
        _require_linkable(need)
        _require_linker(actor, need)
        resource = _lock_resource(resource)
        if not resource.is_current(today):
            raise NeedActionError(
                _("“%(title)s” is not valid today, so it cannot be offered.")
                % {"title": resource.title}
            )
        if need.resources.filter(pk=resource.pk).exists():
            raise NeedActionError(
                _("“%(title)s” is already linked to need %(number)s.")
                % {"title": resource.title, "number": need.number}
            )
        need.resources.add(resource)
        note = line("resource", title=resource.title, department=resource.department.name)
        log_event(need, actor, NeedEventAction.LINK_RESOURCE, data=[note], is_public=True)
        notify_about_need(
            need,
            kind="need_resource_linked",
            recipients=enterprise_users(need),
            actor=actor,
            resource=resource.title,
            resource_department=resource.department.name,
            how_to_apply=resource.how_to_apply,
            resource_contact=resource.contact,
        )
    return need


def unlink_resource(*, need: Need, resource: DepartmentResource, actor: User) -> Need:
    """Take back a resource offered by mistake; the timeline keeps both entries."""
    with transaction.atomic():
        need = _lock_need(need)
        _require_linkable(need)
        _require_linker(actor, need)
        resource = _lock_resource(resource)
        if not need.resources.filter(pk=resource.pk).exists():
            raise NeedActionError(
                _("“%(title)s” is not linked to need %(number)s.")
                % {"title": resource.title, "number": need.number}
            )
        need.resources.remove(resource)
        note = line("resource", title=resource.title, department=resource.department.name)
        log_event(need, actor, NeedEventAction.UNLINK_RESOURCE, data=[note], is_public=True)
    return need
