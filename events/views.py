"""Meeting pages. Thin: scope → form → service → message + redirect.

Every page about a meeting looks it up through `events_visible_to`; staff-only pages answer 404
to everyone else, like a meeting outside a person's reach.
"""

from __future__ import annotations

import io
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.core.notifications import absolute_url
from alliance.core.redirects import redirect_to_next
from alliance.core.viewer import request_is_park_staff
from events import selectors
from events.exceptions import EventActionError
from events.exports import attendance_workbook
from events.forms import (
    CancelForm,
    DecisionForm,
    EventCreateForm,
    EventEditForm,
    InviteForm,
    MinutesForm,
    RescheduleForm,
    RsvpForm,
    SeriesForm,
)
from events.ics import event_ics, feed_ics
from events.models import CalendarFeed, Event, EventKind, EventSeries, EventStatus, Invitation
from events.services.events import (
    decision_record,
    event_cancel,
    event_create,
    event_record_minutes,
    event_reschedule,
    event_update,
)
from events.services.feeds import calendar_feed_get_or_create, calendar_feed_revoke
from events.services.invitations import (
    check_in_is_open,
    event_invite,
    event_uninvite,
    invitation_check_in,
    invitation_respond,
)
from events.services.series import series_create, series_generate_occurrences, series_update
from liaisons.action_items.selectors import action_items_visible_to

EVENTS_PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Helpers ----------------------------------------------------------------------------------


def staff_only(view):
    """Park staff only; to anyone else the page does not exist."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request_is_park_staff(request):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _get_event_for_user(request: HttpRequest, pk: int) -> Event:
    events = selectors.events_visible_to(request.user, staff=request_is_park_staff(request))
    return get_object_or_404(events.select_related("series"), pk=pk)


def _posted(request: HttpRequest):
    # Not `request.POST or None`: an empty POST must still bind the form and show its errors.
    return request.POST if request.method == "POST" else None


def _report(request: HttpRequest, error: EventActionError) -> None:
    messages.error(request, error.message)


# --- Lists and detail -------------------------------------------------------------------------


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    staff = request_is_park_staff(request)
    when = request.GET.get("when", "upcoming")
    if when not in ("upcoming", "past", "all"):
        when = "upcoming"
    events = selectors.event_list(request.user, staff=staff, when=when)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {"page": page, "when": when, "is_staff": staff},
    )


def _decisions_for(event: Event, user, *, staff: bool) -> list:
    """The meeting's decisions, each with `action_item_visible`: whether `user` may open the
    decision's action item (liaisons.action_items.selectors.action_items_visible_to), in the same
    query."""
    decisions = event.decisions.select_related("action_item__owner").order_by("order", "pk")
    if staff:
        decisions = decisions.annotate(action_item_visible=Value(True))
    else:
        visible = action_items_visible_to(user, staff=False).filter(pk=OuterRef("action_item_id"))
        decisions = decisions.annotate(action_item_visible=Exists(visible))
    return list(decisions)


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = request_is_park_staff(request)
    event = _get_event_for_user(request, pk)
    now = timezone.now()
    my_invitation = Invitation.objects.filter(event=event, user=request.user).first()
    context = {
        "event": event,
        "chains": list(event.chains.order_by("order", "code")),
        "is_staff": staff,
        "my_invitation": my_invitation,
        "decisions": _decisions_for(event, request.user, staff=staff),
        "check_in_open": check_in_is_open(event, now),
        "is_over": event.ends_at < now,
        "has_begun": event.starts_at <= now,
        "check_in_url": absolute_url(reverse("events:event-check-in", args=[event.pk])),
    }
    if staff:
        invitations = list(selectors.invitations_with_people(event))
        context.update(
            invitations=invitations,
            counts={
                "invited": len(invitations),
                "accepted": sum(1 for i in invitations if i.rsvp == "accepted"),
                "declined": sum(1 for i in invitations if i.rsvp == "declined"),
                "pending": sum(1 for i in invitations if i.rsvp == "pending"),
                "checked_in": sum(1 for i in invitations if i.checked_in_at),
            },
            agenda_needs=(
                list(selectors.agenda_needs_for(event, now=now))
                if event.kind == EventKind.JOINT_MEETING and event.status == EventStatus.PLANNED
                else None
            ),
        )
    return render(request, "events/event_detail.html", context)


# --- Staff: create, edit, invite, move, cancel ------------------------------------------------


@staff_only
@require_http_methods(["GET", "POST"])
def event_create_view(request: HttpRequest) -> HttpResponse:
    form = EventCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = event_create(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                chains=data["chains"],
                venue=data["venue"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                agenda=data["agenda"],
                invitees=selectors.invitees_for(**form.invitee_groups()),
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The meeting was created and %(count)s people were invited.")
                % {"count": event.invitations.count()},
            )
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@staff_only
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = EventEditForm(_posted(request), instance=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event_update(
                event=event,
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                chains=data["chains"],
                agenda=data["agenda"],
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@staff_only
@require_http_methods(["GET", "POST"])
def event_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = InviteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = event_invite(
                event=event,
                actor=request.user,
                users=selectors.invitees_for(**form.invitee_groups()),
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            if created:
                messages.success(
                    request, _("%(count)s people were invited.") % {"count": len(created)}
                )
            else:
                messages.info(request, _("Everyone you chose was already invited."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_invite.html", {"form": form, "event": event})


@staff_only
@require_POST
def invitation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("event", "user"), pk=pk)
    try:
        event_uninvite(invitation=invitation, actor=request.user)
    except EventActionError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is no longer invited.") % {"name": invitation.user.get_full_name()},
        )
    return redirect("events:event-detail", pk=invitation.event_id)


@staff_only
@require_http_methods(["GET", "POST"])
def event_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    initial = {"starts_at": event.starts_at, "ends_at": event.ends_at, "venue": event.venue}
    form = RescheduleForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event_reschedule(
                event=event,
                actor=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data["venue"],
                note=data["note"],
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting was moved and the invitees were told."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_reschedule.html", {"form": form, "event": event})


@staff_only
@require_http_methods(["GET", "POST"])
def event_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            event_cancel(event=event, actor=request.user, reason=form.cleaned_data["reason"])
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting was cancelled and the invitees were told."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_cancel.html", {"form": form, "event": event})


# --- Minutes and decisions --------------------------------------------------------------------


@staff_only
@require_http_methods(["GET", "POST"])
def event_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = MinutesForm(_posted(request), initial={"minutes": event.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            event_record_minutes(
                event=event, actor=request.user, minutes=form.cleaned_data["minutes"]
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The minutes were saved."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/event_minutes.html", {"form": form, "event": event})


@staff_only
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = DecisionForm(
        _posted(request),
        initial={"chains": [chain.pk for chain in event.chains.all()]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision_record(
                event=event,
                actor=request.user,
                text=data["text"],
                kind=data["kind"],
                title=data["title"],
                owner=data["owner"],
                due_date=data["due_date"],
                chains=data["chains"],
                enterprises=data["enterprises"],
                lead_enterprise=data["lead_enterprise"],
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The decision was recorded and added to the action items."))
            return redirect("events:event-detail", pk=event.pk)
    return render(request, "events/decision_form.html", {"form": form, "event": event})


# --- Invitees: reply, calendar, check-in ------------------------------------------------------


@login_required
@require_POST
def invitation_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the person's own invitation: anyone else's id is not found.
    invitation = get_object_or_404(Invitation, pk=pk, user=request.user)
    fallback = reverse("events:event-detail", args=[invitation.event_id])
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you will attend."))
        return redirect(fallback)
    try:
        invitation = invitation_respond(invitation=invitation, rsvp=form.cleaned_data["rsvp"])
    except EventActionError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("Your reply was saved: %(reply)s.") % {"reply": invitation.get_rsvp_display()},
        )
    return redirect_to_next(request, fallback)


@login_required
@require_GET
def event_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    response = HttpResponse(event_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"event-{event.pk}.ics"
    )
    return response


@login_required
@require_GET
def event_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The door's QR code, drawn here (no outside service): it opens the check-in page."""
    event = _get_event_for_user(request, pk)
    url = absolute_url(reverse("events:event-check-in", args=[event.pk]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, title=_("Check-in code")
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def event_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """What the QR code opens: the signed-in invitee checks in with one button."""
    invitation = (
        Invitation.objects.select_related("event").filter(event__pk=pk, user=request.user).first()
    )
    if invitation is None:
        if not Event.objects.filter(pk=pk).exists():
            raise Http404
        # A clear refusal, without telling a stranger anything about the meeting.
        return render(
            request,
            "events/check_in_refused.html",
            {"event_pk": pk, "is_staff": request_is_park_staff(request)},
            status=403,
        )
    if request.method == "POST":
        try:
            invitation, done = invitation_check_in(invitation=invitation, actor=request.user)
        except EventActionError as error:
            _report(request, error)
        else:
            if done:
                messages.success(request, _("You are checked in. Welcome!"))
            else:
                messages.info(request, _("You had already checked in."))
        return redirect("events:event-check-in", pk=pk)
    return render(
        request, "events/check_in.html", {"invitation": invitation, "event": invitation.event}
    )


@staff_only
@require_POST
def invitation_staff_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("user"), pk=pk)
    try:
        _invitation, done = invitation_check_in(
            invitation=invitation, actor=request.user, by_staff=True
        )
    except EventActionError as error:
        _report(request, error)
    else:
        name = invitation.user.get_full_name()
        if done:
            messages.success(request, _("%(name)s is checked in.") % {"name": name})
        else:
            messages.info(request, _("%(name)s had already checked in.") % {"name": name})
    return redirect(reverse("events:event-detail", args=[invitation.event_id]) + "#attendance")


@staff_only
@require_GET
def event_attendance_export(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    content = attendance_workbook(event, selectors.invitations_with_people(event))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{event.title}-attendance.xlsx"
    )
    return response


# --- Series -----------------------------------------------------------------------------------


@staff_only
@require_GET
def series_list(request: HttpRequest) -> HttpResponse:
    series = EventSeries.objects.prefetch_related("chains").order_by("-is_active", "title")
    return render(request, "events/series_list.html", {"series_list": series})


def _series_invitees(form: SeriesForm):
    groups = form.invitee_groups()
    return selectors.invitees_for(**groups)


@staff_only
@require_http_methods(["GET", "POST"])
def series_create_view(request: HttpRequest) -> HttpResponse:
    form = SeriesForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = series_create(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                chains=data["chains"],
                venue=data["venue"],
                rrule=data["rrule"],
                first_starts_at=data["first_starts_at"],
                duration=form.duration,
                months_ahead=data["months_ahead"],
                agenda=data["agenda"],
                invitees=_series_invitees(form),
                skip_days_off=data["skip_days_off"],
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The series was created with %(count)s meetings ahead.")
                % {"count": series.occurrences.count()},
            )
            return redirect("events:series-detail", pk=series.pk)
    return render(request, "events/series_form.html", {"form": form, "series": None})


@staff_only
@require_GET
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(EventSeries.objects.select_related("organizer"), pk=pk)
    occurrences = series.occurrences.order_by("-starts_at")
    return render(
        request,
        "events/series_detail.html",
        {
            "series": series,
            "chains": list(series.chains.order_by("order", "code")),
            "invitees": list(series.invitees.order_by("full_name", "username")),
            "occurrences": occurrences,
            "duration_minutes": int(series.duration.total_seconds() // 60),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(EventSeries, pk=pk)
    form = SeriesForm(_posted(request), instance=series)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series_update(
                series=series,
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                chains=data["chains"],
                venue=data["venue"],
                rrule=data["rrule"],
                first_starts_at=data["first_starts_at"],
                duration=form.duration,
                months_ahead=data["months_ahead"],
                agenda=data["agenda"],
                is_active=data["is_active"],
                invitees=_series_invitees(form),
                skip_days_off=data["skip_days_off"],
            )
        except EventActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The series was saved."))
            return redirect("events:series-detail", pk=series.pk)
    return render(request, "events/series_form.html", {"form": form, "series": series})


@staff_only
@require_POST
def series_generate(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(EventSeries, pk=pk)
    created = series_generate_occurrences(series=series)
    if created:
        messages.success(request, _("%(count)s meetings were created.") % {"count": len(created)})
    else:
        messages.info(request, _("All meetings up to the horizon already exist."))
    return redirect("events:series-detail", pk=series.pk)


# --- Calendar subscription --------------------------------------------------------------------


@login_required
@require_GET
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    feed = selectors.active_feed_for(request.user)
    feed_url = absolute_url(reverse("events:calendar-feed-ics", args=[feed.token])) if feed else ""
    return render(request, "events/calendar_feed.html", {"feed": feed, "feed_url": feed_url})


@login_required
@require_POST
def calendar_feed_create(request: HttpRequest) -> HttpResponse:
    calendar_feed_get_or_create(user=request.user)
    messages.success(request, _("Your private calendar link is ready."))
    return redirect("events:calendar-feed")


@login_required
@require_POST
def calendar_feed_revoke_view(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        revoked = calendar_feed_revoke(user=request.user)
    if revoked:
        messages.success(request, _("The link was revoked: calendars using it stop updating."))
    return redirect("events:calendar-feed")


@never_cache
@require_GET
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A person's subscription, read by calendar apps: the token is the only credential."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    response = HttpResponse(
        feed_ics(selectors.feed_events(feed)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename="hongchain.ics"
    )
    return response


# --- Action items -----------------------------------------------------------------------------


@require_GET
def action_item_list(request: HttpRequest) -> HttpResponse:
    """The action items moved to their own list (/action-items/); old links and bookmarks follow."""
    return redirect("action_items:action-item-list", permanent=True)
