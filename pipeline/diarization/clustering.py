"""Voice prints of speech regions into at most two speakers, and how sure each assignment is.

One print per speech region (the mean of its windows' prints: the encoder was trained on
1.6 s partials and averages them the same way over an utterance), so a region's words,
not one window's, decide. Before clustering the call's own mean print is taken away:
every print of a call shares the line, the codec and the language, and two close voices
differ only in what is left (cosine of raw prints: 0.92-0.95 between two voices 100
cents apart, as alike as one voice's two halves). k-means on the unit sphere with k = 2
from two deterministic starts (the better split is kept).

Whether there are two voices at all is judged on the raw prints: the centroids of the
split must be less alike than `one_voice_similarity`, and the split must be clear in the
centred space (`min_separation`: the distance of the two centred centroids over the
spread of the prints around them), so that a call with a single speaker (a voicemail, a
seller talking to nobody) is not split in two. A print far from both centroids (a third
voice, music) is given no speaker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClusterOptions:
    one_voice_similarity: float = 0.90
    min_separation: float = 0.0
    # below this similarity to its own raw centroid a print belongs to neither main speaker ...
    min_similarity: float = 0.4
    # ... nor this far below the median similarity of its cluster's prints (a third voice
    # 700 cents from the seller's, on a demo call: 0.72 where the seller's lines were 0.86-0.97)
    outlier_drop: float = 0.16
    # ... judged only on regions this long: a short region's print is too noisy to call a third voice
    outlier_min_s: float = 2.0
    iterations: int = 30


@dataclass(frozen=True)
class Clusters:
    labels: np.ndarray  # per print: 0, 1, or -1 (neither main speaker)
    margin: np.ndarray  # per print: centred similarity to centroid 0 minus to centroid 1 (0 with one voice)
    centroid_similarity: float  # of the raw centroids
    voices: int  # 1 or 2
    separation: float = 0.0  # centred centroid distance over the prints' spread around them
    centre: np.ndarray | None = None  # the call's mean print, taken away before clustering
    centroids: np.ndarray | None = None  # the two centred, unit-length centroids


def normed(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def centred(prints: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return normed(normed(prints) - centre)


def _kmeans(prints: np.ndarray, weights: np.ndarray, labels: np.ndarray,
            iterations: int) -> tuple[np.ndarray, np.ndarray]:
    def centroids_of(labels: np.ndarray) -> np.ndarray:
        return normed(np.stack([(prints[labels == k] * weights[labels == k, None]).sum(axis=0)
                                if np.any(labels == k) else prints[k] for k in (0, 1)]))

    centroids = centroids_of(labels)
    for _ in range(iterations):
        new = np.argmax(prints @ centroids.T, axis=1)
        if np.array_equal(new, labels) or min(np.sum(new == 0), np.sum(new == 1)) == 0:
            break
        labels = new
        centroids = centroids_of(labels)
    return labels, centroids


def _starts(prints: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """Two deterministic starts: the sign along the prints' main axis of spread, and the
    nearer of the two least alike prints (alone it is at the mercy of one odd print)."""
    spread = prints - np.average(prints, axis=0, weights=weights)
    axis = np.linalg.svd(spread * np.sqrt(weights)[:, None], full_matrices=False)[2][0]
    sims = prints @ prints.T
    i, j = np.unravel_index(int(np.argmin(sims)), sims.shape)
    return [(spread @ axis < 0).astype(int), (prints @ prints[j] > prints @ prints[i]).astype(int)]


def _separation(prints: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    means = [np.average(prints[labels == k], axis=0, weights=weights[labels == k]) for k in (0, 1)]
    spread = np.average(np.sum((prints - np.stack(means)[labels]) ** 2, axis=1), weights=weights)
    return float(np.linalg.norm(means[0] - means[1]) / np.sqrt(max(spread, 1e-12)))


def two_speakers(prints: np.ndarray, options: ClusterOptions = ClusterOptions(),
                 weights: np.ndarray | None = None) -> Clusters:
    """`prints`: one voice print per speech region; `weights`: how much each counts (its
    seconds of speech), equal by default."""
    n = len(prints)
    if n < 2:
        return Clusters(np.zeros(n, dtype=int), np.zeros(n), 1.0, 1 if n else 0)
    weights = np.ones(n) if weights is None else np.maximum(np.asarray(weights, dtype=float), 1e-6)
    raw = normed(prints)
    centre = np.average(raw, axis=0, weights=weights)
    points = centred(raw, centre)
    # of the starts, the split whose prints lie closest to their own centroids
    labels, centroids = max((_kmeans(points, weights, start, options.iterations) for start in _starts(points, weights)),
                            key=lambda lc: float(np.average(np.sum(points * lc[1][lc[0]], axis=1), weights=weights)))
    if min(np.sum(labels == 0), np.sum(labels == 1)) == 0:
        return Clusters(np.zeros(n, dtype=int), np.zeros(n), 1.0, 1)
    raw_centroids = normed(np.stack([np.average(raw[labels == k], axis=0, weights=weights[labels == k]) for k in (0, 1)]))
    similarity = float(raw_centroids[0] @ raw_centroids[1])
    separation = _separation(points, weights, labels)
    if similarity >= options.one_voice_similarity or separation < options.min_separation:
        return Clusters(np.zeros(n, dtype=int), np.zeros(n), similarity, 1, separation)
    sims = points @ centroids.T
    # signed towards cluster 0, so that a print far from both still says which it is nearer
    margin = sims[:, 0] - sims[:, 1]
    own = np.sum(raw * raw_centroids[labels], axis=1)
    typical = np.array([float(np.median(own[labels == k])) for k in (0, 1)])[labels]
    odd = (own < typical - options.outlier_drop) & (weights >= options.outlier_min_s)
    labels = np.where((own < options.min_similarity) | odd, -1, labels)
    return Clusters(labels, margin, similarity, 2, separation, centre, centroids)
