from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from alliance.core.forms import LoginForm
from alliance.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/count/", views.notification_count, name="notification-count"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", views.PortalLogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("needs/", include("liaisons.needs.urls")),
    path("events/", include("events.urls")),
    path("resources/", include("liaisons.resources.urls")),
    path("dashboard/", include("alliance.dashboards.urls")),
    path("action-items/", include("liaisons.action_items.urls")),
    # The action items' pages had the prefix projects/ before: notifications already sent,
    # bookmarks and e-mails keep working.
    re_path(
        r"^projects/(?P<rest>.*)$",
        RedirectView.as_view(url="/action-items/%(rest)s", permanent=True, query_string=True),
        name="action-items-moved",
    ),
    path("reports/", include("alliance.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
