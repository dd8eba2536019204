"""The holiday calendar page of the 系统管理员: view a year, set or remove days, import a file,
and mark a year's schedule complete (canlian.core.workdays)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from canlian.core import workdays
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.params import query_int
from canlian.core.roles import Role

MAX_CALENDAR_FILE_BYTES = 1024 * 1024


class CalendarDayForm(DomainErrorFormMixin, forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="类型", choices=[("rest", "休息（节假日）"),
                                                    ("work", "上班（调休工作日）")])
    name = forms.CharField(label="名称", max_length=50, required=False,
                           help_text="如：春节、国庆节调休上班。")


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="节假日文件",
                           help_text="CSV 或 Excel，第一行为表头：日期、类型（上班/休息）、名称。")


def _year(request: HttpRequest) -> int:
    year = query_int(request.GET, "year", low=2000, high=2100) or query_int(
        request.POST, "year", low=2000, high=2100)
    return year or timezone.localdate().year


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('core:calendar')}?year={year}")


@roles_required(Role.COUNTY_ADMIN)
def calendar(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    day_form = CalendarDayForm(prefix="day")
    import_form = CalendarImportForm(prefix="import")
    import_errors: list[workdays.CalendarRowError] = []
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "set":
                day_form = CalendarDayForm(request.POST, prefix="day")
                if day_form.is_valid():
                    data = day_form.cleaned_data
                    workdays.holiday_day_set(actor=request.user, day=data["day"],
                                             is_workday=data["kind"] == "work",
                                             name=data["name"], request=request)
                    messages.success(request, f"已保存 {data['day']:%Y-%m-%d} 的安排。")
                    return _back(data["day"].year)
            elif action == "delete":
                day = workdays.parse_day(request.POST.get("day"))
                if day is None:
                    raise DomainError("day", "日期无效。")
                workdays.holiday_day_delete(actor=request.user, day=day, request=request)
                messages.success(request, f"已删除 {day:%Y-%m-%d} 的单独安排，按周末规则计算。")
                return _back(day.year)
            elif action in ("complete", "incomplete"):
                workdays.holiday_year_set_complete(actor=request.user, year=year,
                                                   complete=action == "complete", request=request)
                messages.success(request, f"已更新 {year} 年的数据完整标记。")
                return _back(year)
            elif action == "import":
                import_form = CalendarImportForm(request.POST, request.FILES, prefix="import")
                if import_form.is_valid():
                    upload = import_form.cleaned_data["file"]
                    if upload.size > MAX_CALENDAR_FILE_BYTES:
                        raise DomainError("file", "文件超过 1 MB。", field="file")
                    table = workdays.calendar_file_read(upload.name, upload.read())
                    rows, import_errors = workdays.calendar_rows_parse(table)
                    if not import_errors:
                        count = workdays.holiday_days_import(actor=request.user, rows=rows,
                                                             request=request)
                        messages.success(request, f"已导入 {count} 天的安排。")
                        return _back(rows[0].day.year if rows else year)
            else:
                return _back(year)
        except DomainError as error:
            form = import_form if action == "import" else day_form
            if error.field == "file" and action == "import":
                import_form.add_error("file", error.message)
            elif action == "set":
                form.add_domain_error(error)
            else:
                messages.error(request, error.message)
                return _back(year)
    return render(request, "core/calendar.html", {
        "year": year, "years": list(range(year - 2, year + 3)),
        "missing_years": workdays.years_without_data(),
        "day_form": day_form, "import_form": import_form, "import_errors": import_errors,
        **workdays.calendar_year_view(year),
    })
