"""Seed the holiday calendar from chinesecalendar for every year it covers (STACK.md §1).

Only days that differ from the weekend rule, or carry a holiday name, are stored; each covered
year is marked complete. Years after the package's data (2027 on) are entered by the 系统管理员.
"""

from datetime import date, timedelta

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    Day = apps.get_model("core", "HolidayCalendarDay")
    Year = apps.get_model("core", "HolidayCalendarYear")
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    rows = []
    for year in range(first, last + 1):
        day = date(year, 1, 1)
        while day.year == year:
            is_workday = chinese_calendar.is_workday(day)
            _, holiday = chinese_calendar.get_holiday_detail(day)
            name = NAMES.get(holiday or "", holiday or "")
            if is_workday and day.weekday() >= 5:
                name = f"{name}调休上班" if name else "调休上班"
            if is_workday != (day.weekday() < 5) or name:
                rows.append(Day(day=day, is_workday=is_workday, name=name))
            day += timedelta(days=1)
    Day.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    Year.objects.bulk_create(
        [Year(year=y, source="chinesecalendar（国务院办公厅节假日安排）")
         for y in range(first, last + 1)], ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("core", "HolidayCalendarDay").objects.all().delete()
    apps.get_model("core", "HolidayCalendarYear").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_holiday_calendar"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
