from django.urls import path

from liaisons.needs.views import detail, exports, pages
from liaisons.needs.views.actions import ACTIONS

app_name = "liaisons"

urlpatterns = [
    path("", pages.need_list, name="need-list"),
    path("export.xlsx", exports.need_export, name="need-export"),
    path("new/", detail.need_create, name="need-create"),
    path("queue/", pages.need_queue, name="need-queue"),
    path("inbox/", pages.need_inbox, name="need-inbox"),
    path("supervision/", pages.need_supervision, name="need-supervision"),
    path("kpis/", pages.need_kpis, name="need-kpis"),
    path("firms/", pages.liaison_firms, name="liaison-firms"),
    path("firms/<int:enterprise_id>/", pages.liaison_firm_needs, name="liaison-firm-needs"),
    path("<int:pk>/", detail.need_detail, name="need-detail"),
    path("<int:pk>/edit/", detail.need_edit, name="need-edit"),
    path("attachments/<int:pk>/", detail.attachment_download, name="attachment-download"),
    # One POST-only view per move: /needs/42/accept/, /needs/42/request-return/ …
    *(
        path(
            f"<int:pk>/{name.replace('_', '-')}/",
            detail.ACTION_VIEWS[name],
            name=f"need-{name.replace('_', '-')}",
        )
        for name in ACTIONS
    ),
]
