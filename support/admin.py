"""The insurer edits ticket categories (queue, hours to answer, manager) and the public
holidays (in Jalali dates) in Django's admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.forms import JalaliDateField, ModelForm
from core.jalali import format_jalali_date
from support.models import Category, Holiday


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sla_hours", "manager", "position", "is_active"]
    list_editable = ["sla_hours", "position", "is_active"]
    raw_id_fields = ["manager"]


class HolidayForm(ModelForm):
    date = JalaliDateField()

    class Meta:
        model = Holiday
        fields = ["date", "name"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    form = HolidayForm
    list_display = ["jalali_date", "name", "date"]
    search_fields = ["name"]

    @admin.display(description=_("Jalali date"), ordering="date")
    def jalali_date(self, obj: Holiday) -> str:
        return format_jalali_date(obj.date)
