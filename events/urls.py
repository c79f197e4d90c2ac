from django.urls import path, register_converter

from events import views


class FeedTokenConverter:
    """What `new_feed_token` can produce (URL-safe base64, at most the column's 64 characters).
    Anything else is no token: the route does not match and the answer is 404, before a NUL or
    a 10,000-character value reaches the database."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedTokenConverter, "feedtoken")

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("new/", views.event_create_view, name="event-create"),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("<int:pk>/invite/", views.event_invite_view, name="event-invite"),
    path("<int:pk>/reschedule/", views.event_reschedule_view, name="event-reschedule"),
    path("<int:pk>/cancel/", views.event_cancel_view, name="event-cancel"),
    path("<int:pk>/minutes/", views.event_minutes, name="event-minutes"),
    path("<int:pk>/decisions/new/", views.decision_create, name="decision-create"),
    path("<int:pk>/event.ics", views.event_ics_download, name="event-ics"),
    path("<int:pk>/qr.svg", views.event_qr, name="event-qr"),
    path("<int:pk>/check-in/", views.event_check_in, name="event-check-in"),
    path("<int:pk>/attendance.xlsx", views.event_attendance_export, name="event-attendance-export"),
    path("invitations/<int:pk>/rsvp/", views.invitation_rsvp, name="invitation-rsvp"),
    path(
        "invitations/<int:pk>/check-in/",
        views.invitation_staff_check_in,
        name="invitation-check-in",
    ),
    path("invitations/<int:pk>/remove/", views.invitation_remove, name="invitation-remove"),
    path("series/", views.series_list, name="series-list"),
    path("series/new/", views.series_create_view, name="series-create"),
    path("series/<int:pk>/", views.series_detail, name="series-detail"),
    path("series/<int:pk>/edit/", views.series_edit, name="series-edit"),
    path("series/<int:pk>/generate/", views.series_generate, name="series-generate"),
    path("calendar/", views.calendar_feed_page, name="calendar-feed"),
    path("calendar/new/", views.calendar_feed_create, name="calendar-feed-create"),
    path("calendar/revoke/", views.calendar_feed_revoke_view, name="calendar-feed-revoke"),
    path("feed/<feedtoken:token>.ics", views.calendar_feed_ics, name="calendar-feed-ics"),
    path("action-items/", views.action_item_list, name="action-item-list"),
]
