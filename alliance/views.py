from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliance.models import WorkerHeartbeat
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
