"""L2-regularised logistic regression by Newton's method, numpy only: the fits of callqa's small
calibrated models (whether a sentence asks, whether a sentence holds personal data)."""

from __future__ import annotations

import sys

import numpy as np


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float | np.ndarray, iterations: int = 25) -> np.ndarray:
    """Weights for the columns of `x` (include a column of ones for a bias; give it a small penalty
    in `l2` to leave it all but free). A column's penalty may be given one by one."""
    w = np.zeros(x.shape[1])
    penalty = np.broadcast_to(np.asarray(l2, dtype=float), w.shape)
    for _ in range(iterations):
        p = sigmoid(x @ w)
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-6)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    else:
        print(f"warning: the fit did not settle in {iterations} steps", file=sys.stderr)
    return w


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
