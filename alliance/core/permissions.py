"""The park staff group holds every permission of the portal's own apps."""

from django.contrib.auth.models import Group, Permission

from alliance.core.staff import PARK_STAFF_GROUP

PORTAL_APPS = ("alliance", "portal", "chains", "enterprises", "liaisons", "events")


def sync_park_staff_group(**kwargs) -> Group:
    group, _created = Group.objects.get_or_create(name=PARK_STAFF_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=PORTAL_APPS)
    group.permissions.add(*permissions)
    return group
