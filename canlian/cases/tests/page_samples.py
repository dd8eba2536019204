"""Jurisdiction-matrix samples for the resident portal's 求助与建议 pages (merged into the
matrix like every app's samples): inside = the resident's own case, outside = another's."""

from __future__ import annotations

from canlian.cases.tests.matrix_samples import _attachment, _case

SAMPLES = {
    "portal:request_detail": _case,
    "portal:request_attachment": _attachment,
}
