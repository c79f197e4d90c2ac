from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alliance.core.models import Notification, WorkerHeartbeat
from alliance.core.notifications import (
    local_path,
    notification_mark_all_read,
    notification_mark_read,
    unread_count,
)
from alliance.roles import alliance_profile


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "alliance/home.html", {"profile": alliance_profile(request.user)})


class PortalLogoutView(LogoutView):
    """Django's POST-only logout, plus a confirmation on the sign-in page it redirects to."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            # Added after the session was flushed, so it travels in the message cookie.
            messages.success(request, _("You have signed out."))
        return response


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: is the database up, when did the worker last run."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = WorkerHeartbeat.objects.filter(name="worker").only("last_seen_at").first()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "worker_last_seen": beat.last_seen_at.isoformat() if beat else None,
        }
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin); point them at ours."""
    return redirect(static("img/favicon.svg"))


NOTIFICATIONS_PER_PAGE = 20


def _get_notification_for_user(request: HttpRequest, pk: int) -> Notification:
    # Someone else's notification does not exist as far as this person can tell.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@never_cache
@login_required
@require_GET
def notification_count(request: HttpRequest) -> JsonResponse:
    """The bell's unread count as JSON, for polling; also the benchmark's logged-in trivial
    view (session, user and one indexed COUNT: bench/, docs/benchmarks.md)."""
    return JsonResponse({"unread": unread_count(request.user)})


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "alliance/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and open what it links to."""
    notification = _get_notification_for_user(request, pk)
    notification_mark_read(notification=notification)
    if not notification.url:
        return redirect("notification-list")
    target = local_path(notification.url)
    if target is None:
        # Only paths on this site are followed; anything else would be an open redirect.
        messages.warning(request, _("The link of this notification cannot be opened."))
        return redirect("notification-list")
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notification-list")
