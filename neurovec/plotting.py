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
- :func:`plot_neuron_types` — voltage of simulated Izhikevich neurons of each
  type under its classic protocol.
- :func:`plot_raster` — spike raster of one animal, neurons sorted by label,
  segments side by side.

All but :func:`plot_loss_curves` also accept ``ax=`` (``axes=``) to draw into
existing axes, e.g. a panel of a larger figure, and return that axes' figure.
"""

import numpy as np

__all__ = [
    "plot_confusion_matrix",
    "plot_embedding_map",
    "plot_f1_bars",
    "plot_loss_curves",
    "plot_neuron_types",
    "plot_raster",
]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
_METHODS = ("auto", "umap", "tsne", "pca", "none")


def _new_figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _axes(ax, figsize):
    """``(figure, axes)``: a new one-axes figure, or ``ax`` and its figure."""
    if ax is None:
        fig = _new_figure(figsize)
        return fig, fig.add_subplot()
    return ax.figure, ax


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
    # A seeded UMAP runs on one thread anyway; saying so avoids its warning.
    n_jobs = 1 if random_state is not None else -1
    return umap.UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        random_state=random_state,
        n_jobs=n_jobs,
    ).fit_transform(embedding)


def _add_animal_legend(ax, first_legend, animals):
    """Second, compact legend: one grey marker per animal, outside the axes."""
    from matplotlib.lines import Line2D

    # A second ax.legend() call would replace the label legend; keep it as an artist.
    ax.add_artist(first_legend)
    shown = animals[: len(_MARKERS)]
    handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=_MARKERS[j],
            color="0.4",
            markersize=5,
            label=str(animal),
        )
        for j, animal in enumerate(shown)
    ]
    ax.legend(
        handles=handles,
        title="animal",
        fontsize="x-small",
        title_fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        ncols=1 if len(shown) <= 8 else 2,
        handletextpad=0.2,
        frameon=False,
    )


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
    ax=None,
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
        Animal of each neuron; one marker per animal, explained by a compact
        second legend outside the axes (markers repeat after 12 animals).
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
        Figure size in inches (ignored with ``ax``).
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw into; a new figure when None.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes; one scatter collection per (label, animal) pair; a legend of
        labels and, with several animals, a legend of animal markers.

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

    fig, ax = _axes(ax, figsize)
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
    label_legend = ax.legend(
        title="label", fontsize="small", markerscale=1.5, loc="best"
    )
    if groups is not None and len(animals) > 1:
        _add_animal_legend(ax, label_legend, animals)
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
    ax=None,
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
        Figure size in inches (ignored with ``ax``).
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw into; a new figure when None.
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
    fig, ax = _axes(ax, figsize)
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


def plot_f1_bars(source, *, probe=None, title=None, figsize=None, ax=None, path=None):
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
        Figure size; grows with the number of classes by default (ignored with
        ``ax``).
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw into; a new figure when None.
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes; one bar container per probe/method with one bar per class;
        with several probes/methods, a legend right of the axes.

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
    # ~0.18 in per bar (0.6 in per class at least) plus the legend; capped so
    # that many methods give thin bars, not a metres-wide figure.
    per_class = max(0.6, 0.18 * n_series)
    size = figsize or (min(18.0, max(4.0, per_class * len(classes) + 3)), 3.5)
    fig, ax = _axes(ax, size)
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
        # Outside the axes, never over the bars (F1 bars often reach 1).
        ax.legend(
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            borderaxespad=0.0,
        )
    if title is not None:
        ax.set_title(title)
    return _finish(fig, path)


# Classic protocols (Izhikevich 2003, Fig. 2): DC step at 50 ms; TC is released
# from hyperpolarisation at 150 ms (rebound burst); RZ gets a small step near its
# threshold, where its damped subthreshold oscillation shows.
_STEP_ONSET_MS = 50.0
_TC_RELEASE_MS = 150.0
_RZ_STEP = 0.6


def _type_protocol(name, t, current):
    if name == "TC":
        return np.where(t < _TC_RELEASE_MS, -current, 0.0)
    if name == "RZ":
        return np.where(t >= _STEP_ONSET_MS, _RZ_STEP, 0.0)
    return np.where(t >= _STEP_ONSET_MS, current, 0.0)


def plot_neuron_types(
    types=None,
    *,
    current=10.0,
    duration=300.0,
    dt=0.25,
    axes=None,
    figsize=None,
    path=None,
):
    """Voltage of one simulated Izhikevich neuron of each type, one panel each.

    Each neuron starts at its resting potential and receives its type's classic
    protocol (Izhikevich 2003, Fig. 2): a step to ``current`` at 50 ms, except
    TC (held at ``-current`` and released at 150 ms: rebound burst) and RZ (a
    step to 0.6 at 50 ms, near its threshold). The input is drawn in red below
    the voltage (``-90 + 2 * I``), spikes are drawn to the 30 mV peak.

    Parameters
    ----------
    types : sequence of str or None, default=None
        Names in :data:`neurovec.simulation.NEURON_TYPES`; all registered types
        when None.
    current : float, default=10.0
        Amplitude of the input step (and of TC's hyperpolarisation).
    duration : float, default=300.0
        Simulated time in ms.
    dt : float, default=0.25
        Integration step in ms (at most 1).
    axes : sequence of matplotlib.axes.Axes or None, default=None
        One axes per type to draw into; a new figure with one row per type
        when None.
    figsize : tuple of float or None, default=None
        Figure size; 6 inches wide and 1.3 per type by default (ignored with
        ``axes``).
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes per type, each with a voltage line and an input line.

    See Also
    --------
    neurovec.simulation.simulate_izhikevich_network : The simulator used.

    Examples
    --------
    >>> from neurovec.plotting import plot_neuron_types
    >>> fig = plot_neuron_types(["RS", "FS"], duration=100.0)
    >>> len(fig.axes), len(fig.axes[0].lines)
    (2, 2)
    """
    from neurovec.simulation import (
        NEURON_TYPES,
        list_neuron_types,
        simulate_izhikevich_network,
    )

    types = list_neuron_types() if types is None else list(types)
    unknown = [name for name in types if name not in NEURON_TYPES]
    if not types or unknown:
        raise ValueError(
            f"Expected a non-empty list of types among {list_neuron_types()}; "
            f"received {types!r}."
        )
    if not duration > 0 or not 0 < dt <= 1:
        raise ValueError(
            "Expected duration > 0 and 0 < dt <= 1 (ms); received "
            f"duration={duration!r}, dt={dt!r}."
        )
    if axes is None:
        fig = _new_figure(figsize or (6.0, 1.3 * len(types) + 0.6))
        axes = fig.subplots(len(types), 1, sharex=True, squeeze=False)[:, 0]
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(types):
            raise ValueError(
                f"Expected one axes per type ({len(types)}); received {len(axes)}."
            )
        fig = axes[0].figure
    n_steps = int(round(duration / dt))
    t = np.arange(n_steps) * dt
    for ax, name in zip(axes, types):
        a, b, c, d = NEURON_TYPES[name][:4]
        # Resting potential: the lower root of 0.04 v^2 + (5 - b) v + 140 = 0.
        rest = float(np.roots([0.04, 5.0 - b, 140.0]).real.min())
        drive = _type_protocol(name, t, float(current))
        res = simulate_izhikevich_network(
            a, b, c, d, drive=drive[:, None], dt=dt, v0=rest, record_voltage=True
        )
        v = res.voltage[:, 0].copy()
        # The recorded voltage is post-reset; draw each spike up to the peak.
        v[np.maximum(res.spike_steps - 1, 0)] = 30.0
        ax.plot(t, v, lw=0.8, color="k")
        ax.plot(t, -90.0 + 2.0 * drive, lw=0.8, color="tab:red")
        description = NEURON_TYPES[name][4] if len(NEURON_TYPES[name]) > 4 else ""
        ax.set_title(f"{name}: {description}", fontsize=8, loc="left")
        ax.set_ylim(-95, 35)
        ax.set_ylabel("v (mV)", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("time (ms)")
    return _finish(fig, path)


def _raster_inputs(data, labels, class_names):
    """``(counts, labels, class_names, conditions, condition_names, groups)``."""
    if hasattr(data, "X") and hasattr(data, "y"):
        counts = np.asarray(data.X)
        labels = np.asarray(data.y if labels is None else labels)
        if class_names is None:
            class_names = data.get("target_names")
        return (
            counts,
            labels,
            class_names,
            data.get("conditions"),
            data.get("condition_names"),
            data.get("groups"),
        )
    return np.asarray(data), labels, class_names, None, None, None


def plot_raster(
    data,
    labels=None,
    *,
    animal=None,
    segments=(0, 1, 2),
    bin_width=None,
    class_names=None,
    ax=None,
    figsize=(9.0, 4.0),
    path=None,
):
    """Spike raster of one animal: neurons sorted by label, segments side by side.

    Parameters
    ----------
    data : Bunch or array-like of shape (n_neurons, n_segments, segment_length)
        A dataset such as :class:`~neurovec.simulation.IzhikevichGenerator`'s
        (``X`` binned spike counts, ``y``, ``groups``, ``target_names``,
        ``conditions``, ``condition_names``), or the counts themselves. A
        4-D ``X`` is plotted from channel 0. Fine bins (``bin_width=1.0`` in the
        generator) give the clearest raster.
    labels : array-like of shape (n_neurons,) or None, default=None
        Label of each neuron (sort order and colour); ``data.y`` for a Bunch.
    animal : object or None, default=None
        Animal (value of ``data.groups``) to plot; the first one when None.
        Ignored for a plain array.
    segments : sequence of int, default=(0, 1, 2)
        Segments shown side by side, each labelled with its condition when the
        Bunch has ``conditions``.
    bin_width : float or None, default=None
        Bin width in ms; the time axis is in bins when None.
    class_names : sequence of str or None, default=None
        Tick names of the sorted labels; ``data.target_names`` for a Bunch.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw into; a new figure when None.
    figsize : tuple of float, default=(9.0, 4.0)
        Figure size in inches (ignored with ``ax``).
    path : str or path-like or None, default=None
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes with one scatter collection per segment (a tick per bin with
        at least one spike).

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.plotting import plot_raster
    >>> counts = np.random.default_rng(0).poisson(0.1, size=(6, 3, 50))
    >>> fig = plot_raster(counts, labels=[0, 0, 1, 1, 2, 2], segments=(0, 1))
    >>> len(fig.axes[0].collections)
    2
    """
    counts, labels, class_names, conditions, condition_names, groups = _raster_inputs(
        data, labels, class_names
    )
    if counts.ndim == 4:
        counts = counts[..., 0]
    if counts.ndim != 3:
        raise ValueError(
            "Expected spike counts of shape (n_neurons, n_segments, "
            f"segment_length[, n_channels]); received shape {counts.shape}."
        )
    n_neurons, n_segments, length = counts.shape
    labels = np.zeros(n_neurons, int) if labels is None else np.asarray(labels)
    if labels.shape != (n_neurons,):
        raise ValueError(
            f"Expected labels of shape ({n_neurons},); received {labels.shape}."
        )
    segments = [int(s) for s in segments]
    if not segments or any(not 0 <= s < n_segments for s in segments):
        raise ValueError(
            f"Expected segments among 0..{n_segments - 1}; received {segments}."
        )
    rows_sel = np.arange(n_neurons)
    if groups is not None:
        groups = np.asarray(groups)
        animals = list(np.unique(groups))
        if animal is None:
            animal = animals[0]
        elif animal not in animals:
            raise ValueError(f"Expected animal among {animals}; received {animal!r}.")
        rows_sel = np.flatnonzero(groups == animal)
    classes, codes = np.unique(labels[rows_sel], return_inverse=True)
    order = rows_sel[np.argsort(codes, kind="stable")]
    sorted_codes = np.sort(codes, kind="stable")
    if class_names is not None and len(class_names) >= len(classes):
        # target_names is indexed by the label value (integer codes).
        if np.issubdtype(classes.dtype, np.integer):
            names = [str(class_names[c]) for c in classes]
        else:
            names = [str(c) for c in classes]
    else:
        names = [str(c) for c in classes]
    scale = 1.0 if bin_width is None else float(bin_width)
    fig, ax = _axes(ax, figsize)
    colors = np.array([f"C{k % 10}" for k in sorted_codes])
    spikes = np.nan_to_num(counts[order]) > 0
    for pos, seg in enumerate(segments):
        rows, cols = np.nonzero(spikes[:, seg])
        ax.scatter(
            (cols + pos * length) * scale,
            rows,
            s=2.0,
            c=colors[rows] if len(rows) else None,
            marker="|",
            linewidths=0.5,
        )
        if pos:
            ax.axvline(pos * length * scale, color="k", lw=0.5)
        if conditions is not None and condition_names is not None:
            cond = condition_names[int(np.asarray(conditions)[order[0], seg])]
            ax.text((pos + 0.02) * length * scale, -1, cond, fontsize=7, va="bottom")
    ticks = [np.mean(np.flatnonzero(sorted_codes == k)) for k in range(len(classes))]
    ax.set_yticks(ticks, labels=names, fontsize=7)
    ax.set_ylim(len(order) - 0.5, -0.06 * len(order) - 1)
    unit = "bins" if bin_width is None else "ms"
    ax.set_xlabel(f"time ({unit}), {len(segments)} segment(s)")
    if groups is not None:
        ax.set_title(f"animal {animal}", fontsize=9, loc="left")
    return _finish(fig, path)
