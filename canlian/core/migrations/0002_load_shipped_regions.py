"""Data migration: load the shipped regions (DOMAIN.md §0.2; source in core/data/REGIONS_SOURCE.md)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from canlian.core.regions import SHIPPED_REGIONS_CSV, regions_load_csv

    result = regions_load_csv(
        SHIPPED_REGIONS_CSV.read_text(encoding="utf-8"),
        region_model=apps.get_model("core", "Region"),
    )
    if not result.ok:
        raise RuntimeError("shipped regions.csv is invalid: " + "; ".join(result.errors[:5]))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
