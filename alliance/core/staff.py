"""Park staff (党群工作部): the one role the core knows, since it needs no app to tell.

A person is park staff when their account is active, marked staff and in the `park_staff`
group (kept in step with the permissions by `alliance.core.permissions`), or a superuser. The other
roles come from the apps' relations (`alliance.roles`)."""

from __future__ import annotations

PARK_STAFF_GROUP = "park_staff"


def is_park_staff(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=PARK_STAFF_GROUP).exists()
