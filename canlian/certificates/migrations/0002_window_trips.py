"""The county-window baseline of trips per application type (只跑一次 savings), editable later.

At the county window an applicant comes to apply, to be assessed and to collect the card
(新办, 等级变更: 3 trips); to apply and collect (换领, 补办, 迁入: 2); or once (迁出, 注销).
"""

from django.db import migrations

TRIPS = {"new": 3, "reassessment": 3, "renewal": 2, "replacement": 2, "transfer_in": 2,
         "transfer_out": 1, "cancellation": 1}


def seed(apps, schema_editor):
    WindowTrips = apps.get_model("certificates", "WindowTrips")
    WindowTrips.objects.bulk_create([WindowTrips(type=t, trips=n) for t, n in TRIPS.items()],
                                    ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("certificates", "WindowTrips").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [("certificates", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
