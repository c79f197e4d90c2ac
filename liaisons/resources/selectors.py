"""Reads of the department resources list (部门资源清单).

`resources_visible_to` is the one scoping function for reading resources: every signed-in,
active person may browse the list. `resources_manageable_by` scopes the maintenance pages (the
head of the resource's department, and park staff for every department): a resource outside it
answers 404 on those pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from alliance.core.staff import is_park_staff
from liaisons.models import Department, DepartmentResource, NeedCategory

# Words of the search box: at most this many, each at most this long (longer input is cut).
SEARCH_MAX_TERMS = 5
SEARCH_TERM_MAX_LENGTH = 50
SEARCH_FIELDS = ("title", "description", "tags", "how_to_apply")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def resources_visible_to(user) -> QuerySet[DepartmentResource]:
    """Every resource `user` may read: all of them for any signed-in person, none otherwise."""
    if not _active(user):
        return DepartmentResource.objects.none()
    return DepartmentResource.objects.all()


def departments_managed_by(user, *, staff: bool | None = None) -> QuerySet[Department]:
    """The departments whose resources `user` maintains (`staff`: the known is_park_staff)."""
    if not _active(user):
        return Department.objects.none()
    if staff if staff is not None else is_park_staff(user):
        return Department.objects.all()
    return Department.objects.filter(head=user)


def resources_manageable_by(user, *, staff: bool | None = None) -> QuerySet[DepartmentResource]:
    if not _active(user):
        return DepartmentResource.objects.none()
    if staff if staff is not None else is_park_staff(user):
        return DepartmentResource.objects.all()
    return DepartmentResource.objects.filter(department__head=user)


def current_q(today: date) -> Q:
    """Valid on `today`: valid_from <= today <= valid_until, an empty end being open."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def search_terms(text: str) -> list[str]:
    """The words of a search box: split on white space (both widths), capped in number and size."""
    words = (text or "").replace("\u3000", " ").split()
    return [word[:SEARCH_TERM_MAX_LENGTH] for word in words[:SEARCH_MAX_TERMS]]


def search_q(term: str) -> Q:
    """One word, found anywhere in the searchable text (a substring, so a two-character Chinese
    word such as 融资 or 用地 matches), or naming the category (场地用地 for 用地)."""
    condition = Q()
    for field in SEARCH_FIELDS:
        condition |= Q(**{f"{field}__icontains": term})
    # The department's name is looked up first (a small table; one query per word), so that
    # every branch of the OR reads the resources table alone and is indexed: PostgreSQL then
    # combines the trigram indexes (BitmapOr) instead of scanning. A join or a subquery here
    # turns the whole search into a sequential scan.
    departments = list(
        Department.objects.filter(
            Q(name__icontains=term) | Q(short_name__icontains=term)
        ).values_list("pk", flat=True)
    )
    if departments:
        condition |= Q(department__in=departments)
    folded = term.casefold()
    categories = [
        value
        for value, label in NeedCategory.choices
        if folded in str(label).casefold() or folded == value
    ]
    if categories:
        condition |= Q(category__in=categories)
    return condition


@dataclass(frozen=True)
class ResourceFilters:
    q: str = ""
    category: str = ""
    department: Department | None = None
    policy_only: bool = False
    current_only: bool = True


def filter_resources(
    resources: QuerySet[DepartmentResource], filters: ResourceFilters, *, today: date
) -> QuerySet[DepartmentResource]:
    """The list's filters, shared by the page and its .xlsx export. Every word must match."""
    for term in search_terms(filters.q):
        resources = resources.filter(search_q(term))
    if filters.category:
        resources = resources.filter(category=filters.category)
    if filters.department is not None:
        resources = resources.filter(department=filters.department)
    if filters.policy_only:
        resources = resources.filter(is_policy_package=True)
    if filters.current_only:
        resources = resources.filter(current_q(today))
    return resources.order_by("department__order", "department__name", "category", "title", "pk")
