"""Page samples of the cross-check app: every parametrised page and API operation is in
matrix_samples; this module exists so the matrix finds the app's page samples by name."""

from __future__ import annotations

from canlian.crosscheck.tests.matrix_samples import SAMPLES as MATRIX_SAMPLES

SAMPLES = dict(MATRIX_SAMPLES)
