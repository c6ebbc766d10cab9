"""Square matrices over a growing list of categories, and their sparse JSON form.

The roll-up meets new label-set categories as documents arrive, so its matrices grow; a matrix
is stored as ``[[row, column, weight], ...]`` over its nonzero cells.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def fit(matrix: FloatArray | None, size: int) -> FloatArray:
    """``matrix`` padded with zeros to ``size x size`` (a new zero matrix for ``None``)."""
    if matrix is None:
        return np.zeros((size, size), dtype=np.float64)
    if matrix.shape[0] == size:
        return matrix
    grown = np.zeros((size, size), dtype=np.float64)
    grown[: matrix.shape[0], : matrix.shape[1]] = matrix
    return grown


def to_cells(matrix: FloatArray) -> list[list[float]]:
    rows, cols = np.nonzero(matrix)
    return [[int(r), int(c), float(matrix[r, c])] for r, c in zip(rows, cols, strict=True)]


def from_cells(cells: Iterable[Iterable[float]], size: int) -> FloatArray:
    matrix = np.zeros((size, size), dtype=np.float64)
    for r, c, w in cells:
        matrix[int(r), int(c)] += float(w)
    return matrix
