"""The department resources list, mounted at /resources/ (namespace "resources")."""

from django.urls import path

from liaisons.resources import views as resources

app_name = "resources"

urlpatterns = [
    path("", resources.resource_list, name="resource-list"),
    path("export.xlsx", resources.resource_export, name="resource-export"),
    path("new/", resources.resource_create, name="resource-create"),
    path("<int:pk>/", resources.resource_detail, name="resource-detail"),
    path("<int:pk>/edit/", resources.resource_edit, name="resource-edit"),
    path("<int:pk>/retire/", resources.resource_retire, name="resource-retire"),
    path("<int:pk>/delete/", resources.resource_delete, name="resource-delete"),
    path("needs/<int:need_pk>/link/", resources.need_link_resource, name="need-link"),
    path("needs/<int:need_pk>/unlink/", resources.need_unlink_resource, name="need-unlink"),
]
