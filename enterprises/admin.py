from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm

from alliance.core.admin import HistoryAdmin, PreloadedAutocompleteInlineMixin
from alliance.core.xlsx import xlsx_response
from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from enterprises.roster import (
    COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_FILENAME,
    EnterpriseRosterResource,
    check_roster_upload,
    roster_template_sheet,
)
from enterprises.services import membership_ensure_primary_chain


class RosterImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_roster_upload(upload)
        return upload


class RosterConfirmImportForm(ConfirmImportForm):
    # Only one format and one resource exist; anything else is a tampered form.
    def clean_format(self) -> str:
        if self.cleaned_data["format"] != "0":
            raise ValidationError(_("Unknown file format."))
        return "0"

    def clean_resource(self) -> str:
        if self.cleaned_data.get("resource") not in ("", "0", None):
            raise ValidationError(_("Unknown import type."))
        return "0"


class PartyOrganizationInline(admin.StackedInline):
    model = PartyOrganization
    extra = 0
    fields = (
        ("kind", "name"),
        ("secretary_name", "secretary_phone", "deputy_secretary"),
        ("member_count", "founded_on"),
        ("brand", "work_method"),
        "notes",
    )


class EnterpriseContactInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    fields = ("user", "title")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "enterprise")


class EnterpriseMembershipInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    """The chains an enterprise belongs to (seen from the enterprise)."""

    model = ChainMembership
    extra = 0
    fields = ("chain", "role", "joined_on")
    # A plain select would load the chain choices once per row.
    autocomplete_fields = ("chain",)
    list_select_related = ("chain", "enterprise")


class ChainMemberInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    """The member firms of a chain (seen from the chain, see liaisons.admin)."""

    model = ChainMembership
    extra = 0
    fields = ("enterprise", "role", "joined_on")
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise", "chain")
    ordering = ("role", "enterprise__name")


@admin.register(Enterprise)
class EnterpriseAdmin(ImportExportMixin, HistoryAdmin):
    list_display = (
        "name",
        "short_name",
        "credit_code",
        "primary_chain",
        "is_above_scale",
        "srdi_level",
        "is_high_tech",
        "is_listed",
        "employees",
    )
    list_filter = (
        "primary_chain",
        "chains",
        "is_above_scale",
        "srdi_level",
        "is_high_tech",
        "is_listed",
    )
    list_select_related = ("primary_chain",)
    search_fields = ("name", "short_name", "credit_code", "stock_code")
    ordering = ("name",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "credit_code", "primary_chain")}),
        (
            _("Profile"),
            {
                "fields": (
                    ("is_above_scale", "is_high_tech"),
                    "srdi_level",
                    ("is_listed", "stock_code"),
                    "parent_company",
                    "address",
                    "main_products",
                    "employees",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = (EnterpriseMembershipInline, PartyOrganizationInline, EnterpriseContactInline)

    # The roster import/export (django-import-export): .xlsx only, whole file or nothing.
    resource_classes = (EnterpriseRosterResource,)
    formats = (base_formats.XLSX,)
    import_form_class = RosterImportForm
    confirm_form_class = RosterConfirmImportForm
    import_template_name = "admin/enterprises/enterprise/roster_import.html"

    def save_related(self, request, form, formsets, change) -> None:
        # After the membership inline: a firm is always a member of its 主产业链, whether it
        # came from the roster import or from this form.
        super().save_related(request, form, formsets, change)
        membership_ensure_primary_chain(enterprises=[form.instance])

    def has_import_permission(self, request) -> bool:
        # django-import-export lets any admin user import unless told otherwise; an import
        # adds and changes enterprises, so it takes both permissions.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_urls(self):
        template = path(
            "import/template.xlsx",
            self.admin_site.admin_view(require_GET(self.roster_template_view)),
            name=f"{self.opts.app_label}_{self.opts.model_name}_import_template",
        )
        # Before the admin's own patterns, whose "<object_id>/" would take the path.
        return [template, *super().get_urls()]

    def roster_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        return xlsx_response(TEMPLATE_FILENAME, roster_template_sheet())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "roster_columns": COLUMNS,
            "roster_required_columns": REQUIRED_COLUMNS,
            "roster_max_bytes": settings.ROSTER_IMPORT_MAX_BYTES,
            "roster_max_rows": settings.ROSTER_IMPORT_MAX_ROWS,
        }

    def export_action(self, request):
        # The export reads the list's filters from the address, as the list does; the list
        # answers filters it cannot apply with its error page, the export would fail outright.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(
                request,
                _(
                    "Nothing was exported: the filters in the address are not valid. Choose the "
                    "filters again on the list."
                ),
            )
            return redirect(reverse("admin:enterprises_enterprise_changelist"))

    def get_export_filename(self, request, queryset, file_format) -> str:
        return f"enterprise-roster-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form else None
        stored = getattr(upload, "tmp_storage_name", None)
        if stored and not context.get("confirm_form"):
            # The preview found problems, so no confirm step will read the stored copy.
            self._remove_stored_upload(stored)
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            messages.error(request, _("The uploaded file is no longer available: upload it again."))
            return redirect(reverse("admin:enterprises_enterprise_import"))

    def process_dataset(self, dataset, form, request, **kwargs):
        # The preview was clean, but the data may have changed since (someone saved the same
        # credit code meanwhile): any bad row now rolls the whole file back.
        kwargs["rollback_on_validation_errors"] = True
        return super().process_dataset(dataset, form, request, **kwargs)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request, _("Nothing was imported: the file has the problems listed below.")
            )
            return self._import_page(request, result)
        return super().process_result(result, request)

    def _import_page(self, request, result) -> TemplateResponse:
        resource_classes = self.get_import_resource_classes(request)
        form = self.get_import_form_class(request)(self.get_import_formats(), resource_classes)
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [f.column_name for f in resource().get_user_visible_fields()],
                )
                for resource in resource_classes
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def _remove_stored_upload(self, name: str) -> None:
        storage = self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs())
        with contextlib.suppress(FileNotFoundError):
            storage.remove()


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(HistoryAdmin):
    list_display = (
        "name",
        "kind",
        "enterprise",
        "secretary_name",
        "member_count",
        "brand",
        "work_method",
    )
    list_filter = ("kind", "enterprise__primary_chain")
    list_select_related = ("enterprise",)
    search_fields = ("name", "enterprise__name", "secretary_name", "brand", "work_method")
    autocomplete_fields = ("enterprise",)
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("enterprise", "kind", "name")}),
        (
            _("Leadership"),
            {
                "fields": (
                    "secretary_name",
                    "secretary_phone",
                    "deputy_secretary",
                    "member_count",
                    "founded_on",
                )
            },
        ),
        (_("Party-building brand"), {"fields": ("brand", "work_method", "notes")}),
    )


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(admin.ModelAdmin):
    list_display = ("user", "enterprise", "title")
    list_filter = ("title",)
    list_select_related = ("user", "enterprise")
    search_fields = ("user__username", "user__full_name", "user__phone", "enterprise__name")
    autocomplete_fields = ("user", "enterprise")
    ordering = ("enterprise__name", "title")


@admin.register(SupplyLink)
class SupplyLinkAdmin(admin.ModelAdmin):
    list_display = ("supplier", "customer", "products", "since", "is_local")
    list_filter = ("is_local",)
    list_select_related = ("supplier", "customer")
    search_fields = ("supplier__name", "customer__name", "products")
    autocomplete_fields = ("supplier", "customer")
    ordering = ("customer__name", "supplier__name")


@admin.register(ChainMembership)
class ChainMembershipAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "chain", "role", "joined_on")
    list_filter = ("chain", "role")
    list_select_related = ("enterprise", "chain")
    search_fields = ("enterprise__name", "enterprise__short_name")
    autocomplete_fields = ("enterprise",)
    ordering = ("chain__order", "role", "enterprise__name")


class SizeBucketFilter(admin.SimpleListFilter):
    """The derived size bucket (≥100亿 / ≥30亿 / ≥10亿 / below) as investment ranges."""

    title = _("size")
    parameter_name = "size"
    # Same thresholds (亿元) as SignedProject.bucket_for, as ranges the database can filter on.
    RANGES = {
        SignedProject.SizeBucket.OVER_100.value: (100, None),
        SignedProject.SizeBucket.OVER_30.value: (30, 100),
        SignedProject.SizeBucket.OVER_10.value: (10, 30),
        SignedProject.SizeBucket.BELOW.value: (None, 10),
    }

    def lookups(self, request, model_admin):
        return SignedProject.SizeBucket.choices

    def queryset(self, request, queryset):
        bounds = self.RANGES.get(self.value())
        if bounds is None:
            return queryset
        low, high = bounds
        if low is not None:
            queryset = queryset.filter(investment__gte=low)
        if high is not None:
            queryset = queryset.filter(investment__lt=high)
        return queryset


@admin.register(SignedProject)
class SignedProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "chain", "enterprise", "investment", "size_bucket", "signed_on")
    list_filter = ("chain", SizeBucketFilter)
    list_select_related = ("chain", "enterprise")
    search_fields = ("name", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    date_hierarchy = "signed_on"
    ordering = ("-signed_on", "name")
    readonly_fields = ("size_bucket",)
    fields = ("chain", "name", "enterprise", "investment", "size_bucket", "signed_on")

    @admin.display(description=_("size"), ordering="investment")
    def size_bucket(self, obj: SignedProject) -> str:
        if obj.investment is None:
            return "-"
        return obj.get_size_bucket_display()
