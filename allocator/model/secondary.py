"""Secondary objectives, applied in order after the FTE optimum, which is kept.

``most_regions``: as many regions as possible get at least one funded application
(binary served_r <= sum of the choices in r; NL is no region). ``fewest_partial``: as few
partial awards as possible (binary full_i <= s_i for every scalable application; a partial
award is a choice without full). Each stage adds ``keep:<objective>`` rows so that the
earlier optima hold (FTE to within the MIP gap), then optimises the next one.
"""

from __future__ import annotations

import numpy as np

from .mip import INTEGER, LinearModel
from .problem import AllocationProblem, ConstraintInfo

KEEP_FTE_REL = 1e-9


def objective_columns(
    model: LinearModel, problem: AllocationProblem, objective: str, regions: list[str]
) -> tuple[LinearModel, np.ndarray, np.ndarray]:
    """Add the columns and rows of one secondary objective; returns (model, cols, weights)."""
    if objective == "most_regions":
        codes = sorted({r for r in regions if r != "NL"})
        model, cols = model.with_columns([f"served:{r}" for r in codes], 0.0, 1.0, INTEGER)
        rows, cs, vs = [], [], []
        for j, (code, col) in enumerate(zip(codes, cols)):
            members = [i for i, r in enumerate(regions) if r == code]
            rows += [j] * (len(members) + 1)
            cs += [int(col), *[int(model.choice_col[i]) for i in members]]
            vs += [1.0] + [-1.0] * len(members)
        infos = [ConstraintInfo(f"served:{c}", "served", c) for c in codes]
        model = model.with_rows(infos, -np.inf, 0.0, rows, cs, vs)
        return model, cols, np.ones(len(cols))
    if objective == "fewest_partial":
        scalable = np.flatnonzero(problem.min_scale < 1.0)
        names = [f"full:{problem.app_ids[i]}" for i in scalable]
        model, cols = model.with_columns(names, 0.0, 1.0, INTEGER)
        k = len(scalable)
        infos = [
            ConstraintInfo(f"full:{problem.app_ids[i]}", "full", problem.app_ids[i])
            for i in scalable
        ]
        model = model.with_rows(
            infos, 0.0, np.inf,
            np.concatenate((np.arange(k), np.arange(k))),
            np.concatenate((model.scale_col[scalable], cols)),
            np.concatenate((np.ones(k), -np.ones(k))),
        )  # fmt: skip
        # maximise (full awards - choices) = -(number of partial awards)
        choice = model.choice_col[scalable]
        return model, np.concatenate((cols, choice)), np.concatenate((np.ones(k), -np.ones(k)))
    raise ValueError(f"unknown secondary objective {objective!r}")


def keep_row(
    model: LinearModel, name: str, cols: np.ndarray, weights: np.ndarray, value: float
) -> LinearModel:
    """keep:<name>: weights @ x >= value."""
    info = [ConstraintInfo(f"keep:{name}", "keep", name)]
    return model.with_rows(info, value, np.inf, np.zeros(len(cols)), cols, weights)


def fill_start(
    model: LinearModel, x: np.ndarray, problem: AllocationProblem, regions: list[str]
) -> np.ndarray:
    """Extend a solution vector with the served/full columns it implies."""
    out = np.zeros(model.num_cols)
    out[: len(x)] = x
    scale = x[model.scale_col]
    for j, name in enumerate(model.col_names[len(x) :], start=len(x)):
        kind, _, key = name.partition(":")
        if kind == "served":
            out[j] = float(any(scale[i] > 0 for i, r in enumerate(regions) if r == key))
        elif kind == "full":
            out[j] = float(scale[problem.app_ids.index(key)] >= 1.0)
    return out


def full_awards(model: LinearModel, x: np.ndarray, problem: AllocationProblem) -> list[int]:
    """Applications whose full:<id> column is 1 in ``x``."""
    index = {a: i for i, a in enumerate(problem.app_ids)}
    return [
        index[name[5:]]
        for j, name in enumerate(model.col_names)
        if name.startswith("full:") and x[j] > 0.5
    ]
