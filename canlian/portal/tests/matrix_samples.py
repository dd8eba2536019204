"""Jurisdiction-matrix samples for the portal: a resident's own application is inside, another
resident's is outside (404)."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]


def _own_application(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.certificates.tests.matrix_samples import _application

    inside, outside = _application(actor, p, channel="online")
    return {"application_id": inside.pk}, {"application_id": outside.pk}


def _own_document(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.certificates import services
    from canlian.certificates.tests.matrix_samples import _application

    inside, outside = _application(actor, p, channel="online")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    kept = []
    for app in (inside, outside):
        doc = services.document_upload(actor=p["county_staff"], application=app, kind="photo",
                                       name="a.png", content=png)
        kept.append({"application_id": app.pk, "document_id": doc.pk})
    return kept[0], kept[1]


SAMPLES = {
    "portal:application_detail": _own_application,
    "portal:document_download": _own_document,
}
