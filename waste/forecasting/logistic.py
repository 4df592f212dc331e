"""A small ridge logistic regression and a recall-first decision threshold: the overflow call's last step.

Why not another boosted classifier: a classifier trained on some bins and checked on others (out of fold) did no
better than chance on Prague's fifteen containers, where a handful of bins hold every overflow; it learns those
bins. A logistic regression on a few scores that mean the same on any bin (how far the forecast level is from the
threshold, the bin's past share of full readings) has a handful of parameters and carries over.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), finite for any z."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def _loss(w: np.ndarray, x: np.ndarray, y: np.ndarray, ridge: float) -> float:
    s = x @ w
    return float(np.sum(np.logaddexp(0.0, s) - y * s) + ridge * np.sum(w[:-1] ** 2))


def fit_logistic(features: np.ndarray, y: np.ndarray, ridge: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Weights ``(k + 1,)`` (the last one the intercept) of ``P(y) = sigmoid(features @ w[:-1] + w[-1])``.

    Damped Newton steps on the log-loss with a ridge on the slopes: finite even when the features separate the
    cases on the calibration set.
    """
    f = np.asarray(features, dtype=np.float64)
    f = f[:, None] if f.ndim == 1 else f
    x = np.column_stack([f, np.ones(f.shape[0])])
    yf = np.asarray(y, dtype=np.float64)
    w = np.zeros(x.shape[1])
    w[-1] = np.log((yf.sum() + 0.5) / (yf.size - yf.sum() + 0.5))
    pen = np.full(x.shape[1], 2.0 * ridge)
    pen[-1] = 0.0
    loss = _loss(w, x, yf, ridge)
    for _ in range(iterations):
        q = sigmoid(x @ w)
        grad = x.T @ (q - yf) + pen * np.r_[w[:-1], 0.0]
        hess = (x * (q * (1 - q))[:, None]).T @ x + np.diag(pen + 1e-9)
        step = np.linalg.solve(hess, grad)
        scale, new = 1.0, loss
        while scale > 1e-4:
            cand = w - scale * step
            new = _loss(cand, x, yf, ridge)
            if new <= loss:
                break
            scale /= 2.0
        else:
            break
        done = loss - new < 1e-10 * max(abs(loss), 1.0)
        w, loss = cand, new
        if done:
            break
    return w


def predict_logistic(features: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Probabilities from :func:`fit_logistic`'s weights."""
    f = np.asarray(features, dtype=np.float64)
    f = f[:, None] if f.ndim == 1 else f
    return sigmoid(f @ w[:-1] + w[-1])


def recall_threshold(p: np.ndarray, event: np.ndarray, target_recall: float) -> float:
    """Highest probability threshold whose calls (``p >= threshold``) catch ``target_recall`` of the events."""
    hits = np.sort(np.asarray(p)[np.asarray(event, dtype=bool)])[::-1]
    if hits.size == 0:
        return 1.0
    k = int(np.ceil(target_recall * hits.size)) - 1
    return float(hits[min(max(k, 0), hits.size - 1)])
