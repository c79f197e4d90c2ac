"""The action items list (行动项目清单), mounted at /action-items/."""

from django.urls import path

from liaisons.action_items import views

app_name = "action_items"

urlpatterns = [
    path("", views.action_item_list, name="action-item-list"),
    path("export.xlsx", views.action_item_export, name="action-item-export"),
    path("new/", views.action_item_create, name="action-item-create"),
    path("from-need/<int:need_pk>/", views.action_item_from_need, name="action-item-from-need"),
    path("<int:pk>/", views.action_item_detail, name="action-item-detail"),
    path("<int:pk>/edit/", views.action_item_edit, name="action-item-edit"),
    path("<int:pk>/status/", views.action_item_status, name="action-item-status"),
    path("<int:pk>/milestones/", views.action_item_milestone_add, name="action-item-milestone-add"),
    path(
        "milestones/<int:pk>/done/",
        views.action_item_milestone_done,
        name="action-item-milestone-done",
    ),
    path("<int:pk>/progress/", views.action_item_progress, name="action-item-progress"),
]
