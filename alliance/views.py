from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliance.models import WorkerHeartbeat
from alliance.roles import alliance_profile


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "alliance/home.html", {"profile": alliance_profile(request.user)})


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: is the database reachable, when did the worker last run."""
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
