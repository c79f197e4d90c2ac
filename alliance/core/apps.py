from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The core: the user, notifications, the working calendar and what every app uses.

    Its label stays `alliance`: the user model is `alliance.User` and the migrations are its own.
    """

    name = "alliance.core"
    label = "alliance"
    verbose_name = _("Accounts and platform")

    def ready(self) -> None:
        from alliance.core import checks, pgtypes  # noqa: F401  (checks registers itself)
        from alliance.core.permissions import sync_park_staff_group

        pgtypes.connect()

        # Permissions only exist after migrate has created them, so the group is kept in step
        # after every migrate (and after test database flushes).
        post_migrate.connect(sync_park_staff_group, dispatch_uid="alliance.sync_park_staff_group")


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with the portal's site (`alliance.core.admin_site`)."""

    default_site = "alliance.core.admin_site.PortalAdminSite"
