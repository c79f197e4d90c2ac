from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chains.models import ChainIndicator, IndustryChain


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    """The chain page. Its members and task force come from the apps above chains, which
    cannot be imported here: liaisons.admin extends this class with those inlines."""

    list_display = ("name", "code", "alliance_name", "chief", "alliance_founded_on", "order")
    list_select_related = ("chief",)
    search_fields = ("name", "code", "alliance_name")
    autocomplete_fields = ("chief",)
    ordering = ("order", "code")
    fieldsets = (
        (None, {"fields": ("name", "code", "order", "chief", "description")}),
        (_("Party-building alliance"), {"fields": ("alliance_name", "alliance_founded_on")}),
    )


@admin.register(ChainIndicator)
class ChainIndicatorAdmin(admin.ModelAdmin):
    list_display = (
        "chain",
        "period",
        "output_value",
        "yoy_growth",
        "new_projects",
    )
    list_filter = ("chain", "year", "period_kind")
    list_select_related = ("chain",)
    search_fields = ("chain__name", "notes")
    ordering = ("chain__order", "-year", "period_kind", "-period_index")
    fields = (
        "chain",
        ("year", "period_kind", "period_index"),
        "output_value",
        "yoy_growth",
        "new_projects",
        "notes",
    )

    @admin.display(description=_("period"), ordering="year")
    def period(self, obj: ChainIndicator) -> str:
        return obj.period_label
