"""An LP solution in our own terms: what a backend's LP relaxation hands back
(``Backend.solve_relaxation``, ``LpSession.solve``) and what the model's reductions read
(``model/reduce.py``: the dual bound, reduced-cost fixing, rounding dives).

It lives here, below both, so that the backends do not import the model's reduction code for
a type and the reductions do not import a backend: numpy is its only dependency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LpSolution:
    """An optimal solution of an LP (a maximisation in model units, model/mip.py).

    ``objective``: the LP optimum in FTE; ``values``: one per column (scales and choices, no
    unit; money columns in the model's unit, EUR 1,000); ``reduced_costs``: one per column,
    FTE per unit of that column; ``row_duals``: one per row, FTE per unit of the row (per
    EUR 1,000 for a money row). An empty ``values`` with ``row_duals`` only is allowed where
    only the duals are read (a dual bound)."""

    objective: float
    values: np.ndarray
    reduced_costs: np.ndarray
    row_duals: np.ndarray
