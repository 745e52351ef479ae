"""A thin wrapper around HiGHS (through `scipy.optimize.milp`) for 0/1 maximisation models."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array


@dataclass
class BinaryModel:
    """max c·x over x ∈ {0,1}ⁿ subject to rows lower ≤ Σ coef·x ≤ upper, built row by row.

    Variables added with `integer=False` may take any value in [0, 1]; use that where the model
    forces them to 0 or 1 once the integer ones are fixed, so HiGHS branches on fewer variables.
    """

    objective: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    _rows: list[int] = field(default_factory=list)
    _cols: list[int] = field(default_factory=list)
    _coefs: list[float] = field(default_factory=list)
    _lower: list[float] = field(default_factory=list)
    _upper: list[float] = field(default_factory=list)
    fixed_one: set[int] = field(default_factory=set)

    def add_variable(self, value: float, *, integer: bool = True) -> int:
        self.objective.append(value)
        self.integer.append(integer)
        return len(self.objective) - 1

    def add_row(
        self, terms: list[tuple[int, float]], lower: float = -math.inf, upper: float = math.inf
    ) -> None:
        if not terms:
            return
        row = len(self._lower)
        for col, coef in terms:
            self._rows.append(row)
            self._cols.append(col)
            self._coefs.append(coef)
        self._lower.append(lower)
        self._upper.append(upper)


@dataclass(frozen=True)
class Solution:
    chosen: frozenset[int]  # indices of variables above 0.5
    value: float
    optimal: bool
    gap: float | None  # relative distance to the solver's bound; 0 when proven optimal
    bound: float | None


def solve(model: BinaryModel, *, time_limit: float, rel_gap: float = 1e-6) -> Solution | None:
    """Best 0/1 point HiGHS finds within `time_limit` seconds; None if it found none."""
    n = len(model.objective)
    if n == 0:
        return Solution(frozenset(), 0.0, True, 0.0, 0.0)
    lower = np.zeros(n)
    for index in model.fixed_one:
        lower[index] = 1.0
    constraints = []
    if model._lower:
        matrix = coo_array(
            (model._coefs, (model._rows, model._cols)), shape=(len(model._lower), n)
        ).tocsr()
        constraints.append(LinearConstraint(matrix, model._lower, model._upper))
    result = milp(
        -np.asarray(model.objective, dtype=float),
        integrality=np.asarray(model.integer, dtype=float),
        bounds=Bounds(lower, np.ones(n)),
        constraints=constraints,
        options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": rel_gap},
    )
    if result.x is None:
        return None
    chosen = frozenset(int(i) for i in np.flatnonzero(result.x > 0.5))
    value = float(sum(model.objective[i] for i in chosen))
    bound = None if result.mip_dual_bound is None else -float(result.mip_dual_bound)
    optimal = result.status == 0
    gap = float(result.mip_gap) if result.mip_gap is not None else (0.0 if optimal else None)
    return Solution(chosen, value, optimal, gap, bound)
