from django.urls import path

from alliance.dashboards import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("chains/<slug:code>/", views.chain_detail, name="chain"),
    path("chains/<slug:code>/map/", views.chain_map, name="chain-map"),
    path("chains/<slug:code>/indicators/new/", views.indicator_create, name="indicator-create"),
    path(
        "chains/<slug:code>/indicators/<int:pk>/edit/",
        views.indicator_edit,
        name="indicator-edit",
    ),
    path("chains/<slug:code>/projects/", views.project_list, name="project-list"),
    path("chains/<slug:code>/projects/new/", views.project_create, name="project-create"),
    path("chains/<slug:code>/projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("firms/<int:pk>/", views.firm_detail, name="firm"),
]
