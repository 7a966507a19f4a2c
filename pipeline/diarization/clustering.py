"""Voice prints into at most two speakers, and how sure each assignment is.

k-means on the unit sphere (cosine) with k = 2, from two deterministic starts (the
better split is kept). Two centroids closer than `one_voice_similarity`
are one voice: a call with a single speaker (a voicemail, a seller talking to
nobody) must not be split in two. A print that is far from both centroids (a
third voice, music) or about as near to each is given no speaker.

A third voice that speaks for some seconds (a colleague joining, a transfer) is no
outlier print by print: k = 2 puts it with the main voice it is nearer, its prints
about as near that centroid as the main voice's own least alike. So each of the two
speakers is split in two again: in a one-voice speaker the two halves stay alike
(0.87-0.95 on the demo calls' mixes), while a third voice comes off as a part of its
own (0.66-0.72 from the rest, seller's stretches shifted 700 cents), and those prints
are given no speaker. Of the three, the voice with the fewest prints is the third.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ClusterOptions:
    one_voice_similarity: float = 0.90
    # below this similarity to its own centroid a print belongs to neither main speaker
    min_similarity: float = 0.4
    iterations: int = 30
    # a part of one speaker's prints whose centroid is below this similarity to the rest of them
    # (and to the other speaker's) is a third voice; from this many prints (about 3 s of speech)
    third_voice_similarity: float = 0.8
    third_voice_min_prints: int = 5


@dataclass(frozen=True)
class Clusters:
    labels: np.ndarray  # per print: 0, 1, or -1 (neither main speaker)
    # per print: similarity to centroid 0 minus to centroid 1. With one voice it is the forced
    # split's: too weak to cut turns, but what a call says can still find it consistent
    margin: np.ndarray
    centroid_similarity: float
    voices: int  # 1 or 2
    # per print: a third voice's (labels -1 too); the other -1 are prints far from both (noise)
    third: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _normed(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def _farthest_pair(prints: np.ndarray) -> tuple[int, int]:
    sims = prints @ prints.T
    i, j = np.unravel_index(int(np.argmin(sims)), sims.shape)
    return int(i), int(j)


def _kmeans(prints: np.ndarray, labels: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    centroids = np.stack([_normed(prints[labels == k].mean(axis=0)) if np.any(labels == k) else prints[k]
                          for k in (0, 1)])
    for _ in range(iterations):
        new = np.argmax(prints @ centroids.T, axis=1)
        if np.array_equal(new, labels) or min(np.sum(new == 0), np.sum(new == 1)) == 0:
            break
        labels = new
        centroids = np.stack([_normed(prints[labels == k].mean(axis=0)) for k in (0, 1)])
    return labels, centroids


def _starts(prints: np.ndarray) -> list[np.ndarray]:
    """Two deterministic starts: the sign along the prints' main axis of spread, and the
    nearer of the two least alike prints (alone it is at the mercy of one odd window)."""
    centred = prints - prints.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    i, j = _farthest_pair(prints)
    return [(centred @ axis < 0).astype(int), (prints @ prints[j] > prints @ prints[i]).astype(int)]


def _best_split(prints: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Of the starts, the split whose prints lie closest to their own centroids."""
    return max((_kmeans(prints, start, iterations) for start in _starts(prints)),
               key=lambda lc: float(np.mean(np.sum(prints * lc[1][lc[0]], axis=1))))


def _third_voice(prints: np.ndarray, labels: np.ndarray, options: ClusterOptions) -> np.ndarray | None:
    """The labels with a third voice's prints at -1, or None where there is none. Each speaker's
    prints split in two: a part far from the rest and from the other speaker makes three voices,
    of which the one with the fewest prints is the third (k = 2 may also have put the two main
    speakers together and a far third voice alone)."""
    found: list[tuple[float, np.ndarray]] = []
    for k in (0, 1):
        idx = np.flatnonzero(labels == k)
        if len(idx) < 2 * options.third_voice_min_prints:
            continue
        sub, _ = _best_split(prints[idx], options.iterations)
        small = int(np.argmin(np.bincount(sub, minlength=2)))
        part, rest, other = idx[sub == small], idx[sub != small], np.flatnonzero(labels == 1 - k)
        if len(part) < options.third_voice_min_prints:
            continue
        centre, own, far = (_normed(prints[i].mean(axis=0)) for i in (part, rest, other))
        nearest = max(float(centre @ own), float(centre @ far))
        if nearest >= options.third_voice_similarity:
            continue
        new = labels.copy()
        if len(other) < len(part):  # the other "speaker" is the third voice, the split one two
            new[other], new[part] = -1, 1 - k
        else:
            new[part] = -1
        found.append((nearest, new))
    return min(found, key=lambda f: f[0])[1] if found else None


def two_speakers(prints: np.ndarray, options: ClusterOptions = ClusterOptions()) -> Clusters:
    n = len(prints)
    if n < 2:
        return Clusters(np.zeros(n, dtype=int), np.zeros(n), 1.0, 1 if n else 0)
    prints = _normed(prints)
    labels, centroids = _best_split(prints, options.iterations)
    third = np.zeros(n, dtype=bool)
    two = min(np.sum(labels == 0), np.sum(labels == 1)) > 0
    if two and float(centroids[0] @ centroids[1]) < options.one_voice_similarity:
        three = _third_voice(prints, labels, options)
        if three is not None:  # the two speakers' centroids without the third voice's prints
            third, labels = three < 0, np.maximum(three, 0)
            centroids = np.stack([_normed(prints[(labels == k) & ~third].mean(axis=0)) for k in (0, 1)])
    sims = prints @ centroids.T
    similarity = float(centroids[0] @ centroids[1])
    # signed towards cluster 0, so that a print far from both still says which it is nearer
    margin = sims[:, 0] - sims[:, 1]
    if min(np.sum(labels == 0), np.sum(labels == 1)) == 0:
        return Clusters(np.zeros(n, dtype=int), np.zeros(n), similarity, 1)
    if similarity >= options.one_voice_similarity:
        return Clusters(np.zeros(n, dtype=int), margin, similarity, 1)
    own = sims[np.arange(n), labels]
    labels = np.where((own < options.min_similarity) | third, -1, labels)
    return Clusters(labels, margin, similarity, 2, third)
