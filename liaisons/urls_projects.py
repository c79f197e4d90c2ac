"""The action items list (行动项目清单), mounted at /projects/."""

from django.urls import path

from liaisons.views import action_items as views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("export.xlsx", views.project_export, name="project-export"),
    path("new/", views.project_create, name="project-create"),
    path("from-need/<int:need_pk>/", views.project_from_need, name="project-from-need"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("<int:pk>/status/", views.project_status, name="project-status"),
    path("<int:pk>/milestones/", views.project_milestone_add, name="project-milestone-add"),
    path(
        "milestones/<int:pk>/done/",
        views.project_milestone_done,
        name="project-milestone-done",
    ),
    path("<int:pk>/progress/", views.project_progress, name="project-progress"),
]
