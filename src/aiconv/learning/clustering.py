"""Text clustering for offline discovery: TF-IDF, LSA, a dendrogram cut at its largest gap.

Pure computation on lists of strings (scikit-learn underneath); callers run it off the event
loop. Deterministic for a given seed. ``Clusters`` keeps, per cluster, its members, the terms
that set it apart and the members closest to its centre (its most representative texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

Matrix = NDArray[np.float64]
#: Words of two letters or more; placeholders left by redaction (``[EMAIL]``, read lower-cased as
#: ``[email]``) are not topics, nor numbers.
TOKENS = r"(?u)(?<!\[)\b[a-zA-Z][a-zA-Z]+\b(?!\])"
_WORDS: dict[str, Any] = {
    "token_pattern": TOKENS,
    "stop_words": "english",
    "ngram_range": (1, 2),
}
_CHARACTERS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (2, 3)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """One group: member indices, distinctive terms, the most central members first."""

    members: tuple[int, ...]
    terms: tuple[str, ...]
    central: tuple[int, ...]
    #: The label this cluster had before clusters were renumbered largest first.
    label: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Clusters:
    """A clustering of ``n`` texts: a label per text and the clusters, largest first."""

    labels: tuple[int, ...]
    clusters: tuple[Cluster, ...]
    silhouette: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Embedded:
    """Texts as unit vectors in an LSA space, with the TF-IDF matrix and its terms."""

    vectors: Matrix
    tfidf: Matrix
    terms: tuple[str, ...]


def embed(texts: Sequence[str], *, dimensions: int = 20, seed: int = 0) -> Embedded:
    """TF-IDF (words and word pairs, English stop words dropped; see ``_weigh`` for texts with
    no such word) reduced by LSA, normalised."""
    tfidf, terms = _weigh(texts)
    dense = np.asarray(tfidf.toarray(), dtype=np.float64)
    size = min(dimensions, dense.shape[1] - 1, len(texts) - 1)
    if size >= 2:
        svd = TruncatedSVD(n_components=size, random_state=seed, algorithm="arpack")
        with np.errstate(divide="ignore", invalid="ignore"):  # its variance ratio, of texts alike
            reduced = svd.fit_transform(tfidf)
    else:
        reduced = dense
    return Embedded(vectors=_unit(reduced), tfidf=dense, terms=terms)


def _unit(reduced: Matrix) -> Matrix:
    """The rows as unit vectors. A text with none of the kept terms (its words are in most
    texts, e.g. the same goodbyes) is a zero row, whose cosine distance is not a number: such
    rows share one more dimension of their own, so they group together."""
    vectors = np.asarray(normalize(reduced), dtype=np.float64)
    empty = np.asarray(~vectors.any(axis=1), dtype=np.float64)
    if empty.any():
        vectors = np.hstack([vectors, empty.reshape(-1, 1)])
    return vectors


def _weigh(texts: Sequence[str]) -> tuple[Any, tuple[str, ...]]:
    """The TF-IDF matrix of ``texts`` and its terms: words and word pairs where the texts have
    words; pairs and triples of characters where they have none (Chinese, Japanese, Thai: no
    Latin word at all); every term where those shared by most texts are all there are (texts
    alike); and one term all hold for texts with no term at all (one group)."""
    for words in (True, False):
        for pruned in (True, False):
            vectorizer = TfidfVectorizer(
                **(_WORDS if words else _CHARACTERS),
                min_df=2 if pruned and len(texts) >= 20 else 1,
                max_df=0.6 if pruned else 1.0,
                sublinear_tf=True,
                lowercase=True,
            )
            try:
                tfidf = vectorizer.fit_transform(texts)
            except ValueError:  # no term left: an empty vocabulary, or every term pruned
                continue
            return tfidf, tuple(str(t) for t in vectorizer.get_feature_names_out())
    return csr_matrix(np.ones((len(texts), 1))), ()


def cluster(
    embedded: Embedded,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 12),
    seed: int = 0,
    sample: int = 3000,
) -> Clusters:
    """Groups of the texts: ``k`` given, or found where the dendrogram has its largest gap.

    Average-linkage agglomerative clustering (cosine) of up to ``sample`` texts draws the
    dendrogram; without ``k``, the cut is where merging two more groups would cost the largest
    jump in distance within ``k_range`` (sub-topics merge cheaply, topics do not). k-means,
    started from the groups' centres, then assigns every text.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    points = embedded.vectors
    count = points.shape[0]
    if count < 3:
        return _result(embedded, points, np.zeros(count, dtype=int), 0.0)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(count, size=min(count, sample), replace=False))
    tree = linkage(points[chosen], method="average", metric="cosine")
    if k is None:
        k = _largest_gap(tree[:, 2], len(chosen), k_range)
    k = max(1, min(k, len(chosen)))
    groups = fcluster(tree, k, criterion="maxclust")
    centres = np.array([points[chosen][groups == g].mean(axis=0) for g in sorted(set(groups))])
    model = KMeans(n_clusters=len(centres), init=centres, n_init=1, random_state=seed)
    labels = np.asarray(model.fit_predict(points), dtype=int)
    return _result(embedded, points, labels, _silhouette(points, labels))


def from_labels(embedded: Embedded, labels: Sequence[int]) -> Clusters:
    """The clusters that given labels make (e.g. a model's), described like found ones."""
    points = embedded.vectors
    array = np.asarray(labels, dtype=int)
    return _result(embedded, points, array, _silhouette(points, array))


def _largest_gap(heights: NDArray[np.float64], count: int, k_range: tuple[int, int]) -> int:
    """The number of groups below the largest jump in merge heights."""
    low, high = max(2, k_range[0]), min(k_range[1], count - 1)
    if high < low:
        return 1
    gaps = {k: float(heights[count - k] - heights[count - k - 1]) for k in range(low, high + 1)}
    best = max(gaps, key=lambda k: (gaps[k], -k))
    return best if gaps[best] > 0 else 1  # no jump at all: texts alike are one group


def knee(scores: Sequence[float]) -> int:
    """The index of the knee of an increasing-ish curve (Kneedle): the point farthest above
    the straight line from its first to its best value, where more clusters stop paying off."""
    if len(scores) < 3:
        return max(range(len(scores)), key=lambda i: scores[i])
    best = max(range(len(scores)), key=lambda i: scores[i])
    low, high = min(scores), scores[best]
    if high - low < 1e-9:
        return 0
    span = max(best, 1)
    gains = [
        (scores[i] - low) / (high - low) - i / span if i <= best else -1.0
        for i in range(len(scores))
    ]
    return max(range(len(gains)), key=lambda i: (gains[i], -i))


def _silhouette(points: Matrix, labels: NDArray[np.int_]) -> float:
    if len(set(labels.tolist())) < 2:
        return 0.0
    return float(silhouette_score(points, labels, metric="cosine"))


def _result(
    embedded: Embedded, points: Matrix, labels: NDArray[np.int_], silhouette: float
) -> Clusters:
    groups = sorted(set(labels.tolist()), key=lambda g: (-int((labels == g).sum()), g))
    renumber = {old: new for new, old in enumerate(groups)}
    clusters = []
    for old in groups:
        mask = labels == old
        members = np.flatnonzero(mask)
        centre = points[mask].mean(axis=0)
        order = members[np.argsort(-(points[members] @ centre), kind="stable")]
        clusters.append(
            Cluster(
                members=tuple(int(i) for i in members),
                terms=_distinctive(embedded, mask),
                central=tuple(int(i) for i in order),
                label=int(old),
            )
        )
    return Clusters(
        labels=tuple(renumber[int(g)] for g in labels),
        clusters=tuple(clusters),
        silhouette=round(silhouette, 4),
    )


def _distinctive(embedded: Embedded, mask: NDArray[np.bool_], top: int = 8) -> tuple[str, ...]:
    """Terms far more weighted inside the cluster than outside it."""
    if not embedded.terms:
        return ()
    inside = embedded.tfidf[mask].mean(axis=0)
    outside = embedded.tfidf[~mask].mean(axis=0) if (~mask).any() else np.zeros_like(inside)
    score = inside - outside
    order = np.argsort(-score, kind="stable")[:top]
    return tuple(embedded.terms[i] for i in order if score[i] > 0)


def purity(found: Sequence[int], planted: Sequence[str]) -> float:
    """The share of items whose cluster's majority label is their own (1.0 = pure)."""
    if not found:
        return 1.0
    by_cluster: dict[int, dict[str, int]] = {}
    for label, truth in zip(found, planted, strict=True):
        counts = by_cluster.setdefault(label, {})
        counts[truth] = counts.get(truth, 0) + 1
    return sum(max(c.values()) for c in by_cluster.values()) / len(found)
