"""Figures for neuron embeddings and their evaluation.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot
state, so it is safe in scripts, threads and headless servers), returns it, and
writes it to ``path`` when one is given. matplotlib is imported lazily, so that
``import neurovec`` stays fast.

- :func:`plot_embedding_map` — 2-D map of the embedding (UMAP, t-SNE or PCA),
  coloured by label, marker by animal.
- :func:`plot_confusion_matrix` — (row-normalised) confusion matrix.
- :func:`plot_loss_curves` — VICReg loss and its three terms over epochs.
- :func:`plot_f1_bars` — per-class F1 with error bars over folds.
"""

import numpy as np

__all__ = [
    "plot_confusion_matrix",
    "plot_embedding_map",
    "plot_f1_bars",
    "plot_loss_curves",
]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
_METHODS = ("auto", "umap", "tsne", "pca", "none")


def _new_figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _finish(fig, path):
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig


def _resolve_map_method(method, n_features):
    """The 2-D projection actually used for ``method``."""
    if method not in _METHODS:
        raise ValueError(f"Expected method in {_METHODS}; received {method!r}.")
    if method == "auto":
        if n_features <= 2:
            return "none"
        # find_spec: importing umap compiles numba code (tens of seconds).
        from importlib.util import find_spec

        return "umap" if find_spec("umap") is not None else "tsne"
    if method == "none" and n_features != 2:
        raise ValueError(
            "method='none' needs a 2-D embedding of shape (n_neurons, 2); received "
            f"{n_features} features."
        )
    return method


def _project(embedding, method, random_state):
    n = len(embedding)
    if method == "none":
        return embedding if embedding.shape[1] == 2 else np.c_[embedding, np.zeros(n)]
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(embedding)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        return TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=random_state
        ).fit_transform(embedding)
    try:
        import umap
    except ImportError as exc:
        raise ImportError(
            'method="umap" requires umap-learn: pip install "neurovec[umap]".'
        ) from exc
    n_neighbors = int(min(15, max(2, n - 1)))
    return umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, random_state=random_state
    ).fit_transform(embedding)


def plot_embedding_map(
    embedding,
    labels,
    groups=None,
    *,
    method="auto",
    class_names=None,
    random_state=0,
    title=None,
    figsize=(6.0, 5.0),
    path=None,
):
    """Scatter the neurons on a 2-D map of their embedding.

    Parameters
    ----------
    embedding : array-like of shape (n_neurons, n_features)
        Neuron embeddings (e.g. the output of
        :meth:`neurovec.NeuronVICRegEmbedder.transform`).
    labels : array-like of shape (n_neurons,)
        Label of each neuron; one colour per label.
    groups : array-like of shape (n_neurons,) or None, default=None
        Animal of each neuron; one marker per animal.
    method : {"auto", "umap", "tsne", "pca", "none"}, default="auto"
        2-D projection. ``"auto"``: the embedding itself when it has 2 features,
        else UMAP when umap-learn is installed, else t-SNE. ``"none"``: plot the
        two features as they are.
    class_names : sequence of str or None, default=None
        Legend names of the sorted unique labels (e.g. a dataset's
        ``target_names`` when labels are integer codes).
    random_state : int, default=0
        Seed of the projection.
    title : str or None, default=None
        Axes title; defaults to the projection used.
    figsize : tuple of float, default=(6.0, 5.0)
        Figure size in inches.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes; one scatter collection per (label, animal) pair.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.plotting import plot_embedding_map
    >>> Z = np.random.default_rng(0).normal(size=(20, 8))
    >>> fig = plot_embedding_map(Z, np.repeat([0, 1], 10), method="pca")
    >>> len(fig.axes)
    1
    """
    embedding = np.asarray(embedding, dtype=np.float64)
    if embedding.ndim != 2 or embedding.shape[0] < 2:
        raise ValueError(
            "Expected embedding of shape (n_neurons, n_features) with at least 2 "
            f"neurons; received shape {embedding.shape}."
        )
    labels = np.asarray(labels)
    if labels.shape != (len(embedding),):
        raise ValueError(
            f"Expected labels of shape ({len(embedding)},); received {labels.shape}."
        )
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (len(embedding),):
            raise ValueError(
                f"Expected groups of shape ({len(embedding)},); received "
                f"{groups.shape}."
            )
    used = _resolve_map_method(method, embedding.shape[1])
    xy = _project(embedding, used, random_state)

    from matplotlib import colormaps

    fig = _new_figure(figsize)
    ax = fig.add_subplot()
    classes = np.unique(labels)
    if class_names is not None and len(class_names) != len(classes):
        raise ValueError(
            f"Expected {len(classes)} class_names (one per unique label); received "
            f"{len(class_names)}."
        )
    names = [str(c) for c in classes] if class_names is None else list(class_names)
    cmap = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    animals = [None] if groups is None else list(np.unique(groups))
    for i, cls in enumerate(classes):
        for j, animal in enumerate(animals):
            sel = labels == cls
            if animal is not None:
                sel &= groups == animal
            if not sel.any():
                continue
            ax.scatter(
                xy[sel, 0],
                xy[sel, 1],
                s=18,
                color=cmap(i % cmap.N),
                marker=_MARKERS[j % len(_MARKERS)],
                alpha=0.8,
                linewidths=0,
                label=names[i] if animal is None or j == 0 else None,
            )
    ax.legend(title="label", fontsize="small", markerscale=1.5, loc="best")
    ax.set_xlabel(f"{used} 1" if used != "none" else "dim 1")
    ax.set_ylabel(f"{used} 2" if used != "none" else "dim 2")
    ax.set_title(title if title is not None else f"Neuron embedding ({used})")
    return _finish(fig, path)


def plot_confusion_matrix(
    cm,
    class_names=None,
    *,
    normalize=True,
    probe=None,
    title=None,
    cmap="Blues",
    figsize=(5.0, 4.5),
    path=None,
):
    """Heat map of a confusion matrix (rows: true class, columns: predicted).

    Parameters
    ----------
    cm : array-like of shape (n_classes, n_classes) or EmbeddingEvaluation
        Counts; an :class:`~neurovec.evaluation.EmbeddingEvaluation` gives its
        matrix summed over folds for ``probe``.
    class_names : sequence of str or None, default=None
        Tick labels; the evaluation's classes or ``0..n-1`` when None.
    normalize : bool, default=True
        Show each row as fractions of its true class (recall on the diagonal).
    probe : str or None, default=None
        Probe of an evaluation (its first probe when None).
    title : str or None, default=None
        Axes title.
    cmap : str, default="Blues"
        Colour map.
    figsize : tuple of float, default=(5.0, 4.5)
        Figure size in inches.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The matrix axes and a colour-bar axes; one text per cell.

    Examples
    --------
    >>> from neurovec.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix([[5, 1], [2, 4]], ["RS", "FS"])
    >>> len(fig.axes), len(fig.axes[0].texts)
    (2, 4)
    """
    if hasattr(cm, "confusion_matrix") and hasattr(cm, "classes"):
        if class_names is None:
            class_names = [str(c) for c in cm.classes]
        cm = cm.confusion_matrix(probe)
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(
            f"Expected a square confusion matrix; received shape {cm.shape}."
        )
    n = cm.shape[0]
    if class_names is None:
        class_names = [str(i) for i in range(n)]
    if len(class_names) != n:
        raise ValueError(
            f"Expected {n} class_names for a {n}x{n} matrix; received "
            f"{len(class_names)}."
        )
    if normalize:
        total = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, total, out=np.zeros_like(cm), where=total > 0)
    fig = _new_figure(figsize)
    ax = fig.add_subplot()
    vmax = 1.0 if normalize else max(cm.max(), 1.0)
    im = ax.imshow(cm, cmap=cmap, vmin=0.0, vmax=vmax)
    fig.colorbar(im, ax=ax, fraction=0.046)
    for i in range(n):
        for j in range(n):
            text = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize="small",
                color="white" if cm[i, j] > 0.6 * vmax else "black",
            )
    ax.set_xticks(range(n), labels=class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), labels=class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title is not None:
        ax.set_title(title)
    return _finish(fig, path)


_LOSS_KEYS = ("train_loss", "invariance", "variance", "covariance")


def _history_rows(history):
    if hasattr(history, "history_"):
        history = history.history_
    rows = [dict(r) for r in history]
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(
            "Expected a non-empty skorch History or list of per-epoch dicts; "
            f"received {type(history).__name__} with {len(rows)} entries."
        )
    return rows


def plot_loss_curves(history, *, keys=_LOSS_KEYS, figsize=None, path=None):
    """Training curves: the total VICReg loss and its three terms.

    Parameters
    ----------
    history : skorch History, list of dict, or fitted estimator
        Per-epoch records (an estimator's ``history_`` is used when given).
    keys : sequence of str, default=("train_loss", "invariance", "variance", \
"covariance")
        Records to plot, one axes each; keys absent from every epoch are skipped
        (``"valid_loss"`` joins the ``"train_loss"`` axes when present).
    figsize : tuple of float or None, default=None
        Figure size; 3 inches per axes wide by default.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes per plotted key, one line each.

    Examples
    --------
    >>> from neurovec.plotting import plot_loss_curves
    >>> hist = [{"epoch": e, "train_loss": 10.0 / e, "invariance": 1.0 / e,
    ...          "variance": 0.5, "covariance": 0.1} for e in range(1, 6)]
    >>> len(plot_loss_curves(hist).axes)
    4
    """
    rows = _history_rows(history)
    present = [k for k in keys if any(k in r for r in rows)]
    if not present:
        raise ValueError(
            f"None of the keys {list(keys)} is in the history; available keys: "
            f"{sorted(set().union(*rows))}."
        )
    epochs = np.asarray([r.get("epoch", i + 1) for i, r in enumerate(rows)])
    fig = _new_figure(figsize or (3.0 * len(present), 3.0))
    axes = fig.subplots(1, len(present), squeeze=False)[0]
    for ax, key in zip(axes, present):
        values = np.asarray([r.get(key, np.nan) for r in rows], dtype=np.float64)
        ax.plot(epochs, values, marker=".", label=key)
        if key == "train_loss" and any("valid_loss" in r for r in rows):
            valid = [r.get("valid_loss", np.nan) for r in rows]
            ax.plot(epochs, np.asarray(valid, float), marker=".", label="valid_loss")
            ax.legend(fontsize="small")
        ax.set_title("total loss" if key == "train_loss" else key)
        ax.set_xlabel("epoch")
    return _finish(fig, path)


def _per_class_from(source, probe):
    """``({probe: {class: (mean, std)}}, class order)`` from an evaluation or dict."""
    if hasattr(source, "per_class_summary") and hasattr(source, "probes"):
        probes = source.probes if probe is None else [probe]
        out = {}
        for p in probes:
            summary = source.per_class_summary(p)
            out[p] = {str(c): d["f1"] for c, d in summary.items()}
        return out
    if not isinstance(source, dict) or not source:
        raise TypeError(
            "Expected an EmbeddingEvaluation or a non-empty dict {class: f1}, "
            "{class: (mean, std)}, {class: list of fold values} or {name: such a "
            f"dict}}; received {type(source).__name__}."
        )
    first = next(iter(source.values()))
    nested = isinstance(first, dict)
    groups = source if nested else {"F1": source}
    out = {}
    for name, d in groups.items():
        out[str(name)] = {}
        for cls, v in d.items():
            if isinstance(v, dict):
                v = v["f1"]
            if isinstance(v, tuple) and len(v) == 2:
                out[str(name)][str(cls)] = (float(v[0]), float(v[1]))
            else:
                arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
                out[str(name)][str(cls)] = (float(arr.mean()), float(arr.std()))
    return out


def plot_f1_bars(source, *, probe=None, title=None, figsize=None, path=None):
    """Per-class F1 bars with error bars (std over folds).

    Parameters
    ----------
    source : EmbeddingEvaluation or dict
        An evaluation (one bar group per probe), or ``{class: value}`` where a
        value is an F1, a ``(mean, std)`` pair or a list of per-fold F1, or
        ``{name: {class: value}}`` to compare several methods/probes.
    probe : str or None, default=None
        With an evaluation, plot only this probe.
    title : str or None, default=None
        Axes title.
    figsize : tuple of float or None, default=None
        Figure size; grows with the number of classes by default.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes; one bar container per probe/method with one bar per class.

    Examples
    --------
    >>> from neurovec.plotting import plot_f1_bars
    >>> fig = plot_f1_bars({"RS": [0.9, 0.8], "FS": [0.7, 0.75]})
    >>> len(fig.axes[0].patches)
    2
    """
    data = _per_class_from(source, probe)
    classes = list(dict.fromkeys(c for d in data.values() for c in d))
    n_series = len(data)
    width = 0.8 / n_series
    fig = _new_figure(figsize or (max(4.0, 0.6 * len(classes) * n_series + 2), 3.5))
    ax = fig.add_subplot()
    x = np.arange(len(classes))
    for k, (name, d) in enumerate(data.items()):
        means = [d.get(c, (np.nan, np.nan))[0] for c in classes]
        stds = [d.get(c, (np.nan, np.nan))[1] for c in classes]
        ax.bar(
            x + (k - (n_series - 1) / 2) * width,
            np.nan_to_num(means),
            width,
            yerr=np.nan_to_num(stds),
            capsize=3,
            label=name,
        )
    ax.set_xticks(x, labels=classes, rotation=45 if len(classes) > 6 else 0)
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel("F1")
    if n_series > 1:
        ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    return _finish(fig, path)
