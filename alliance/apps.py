from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "alliance"
    verbose_name = _("Accounts and platform")

    def ready(self) -> None:
        from alliance import checks, pgtypes  # noqa: F401  (checks registers itself)
        from alliance.permissions import sync_park_staff_group

        pgtypes.connect()

        # Permissions only exist after migrate has created them, so the group is kept in step
        # after every migrate (and after test database flushes).
        post_migrate.connect(sync_park_staff_group, dispatch_uid="alliance.sync_park_staff_group")


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with the portal's site (`alliance.admin_site`)."""

    default_site = "alliance.admin_site.PortalAdminSite"
