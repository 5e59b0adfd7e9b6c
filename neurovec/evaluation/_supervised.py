"""A supervised upper bound: the same segment encoder trained on the labels.

:class:`SupervisedEncoderClassifier` trains the encoder that
:class:`neurovec.NeuronVICRegEmbedder` uses (built by
:func:`neurovec.embedder._encoders.build_encoder`) with a linear head and
cross-entropy on individual segments, each labelled with its neuron's label; a
neuron's class scores are its segment logits averaged over its valid segments.
Comparing it with a probe on self-supervised embeddings shows how much of the
label information the embedding keeps.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from neurovec._validation import check_segmented, segment_mask

__all__ = ["SupervisedEncoderClassifier"]


def _segment_inputs(X, eps=1e-6):
    """Valid segments of canonical X → (x, mask, neuron_index, raw statistics).

    ``x`` holds each segment z-scored per channel over its valid samples
    ``(n_valid, n_channels, length)``; statistics are per-segment channel means
    and log standard deviations ``(n_valid, 2 * n_channels)``.
    """
    neuron_index, seg_index = np.nonzero(segment_mask(X))
    segs = X[neuron_index, seg_index].transpose(0, 2, 1)  # (n, C, L)
    mask = ~np.isnan(segs[:, 0])
    mean = np.nanmean(segs, axis=2, keepdims=True)
    std = np.nanstd(segs, axis=2, keepdims=True)
    z = np.where(mask[:, None], (segs - mean) / np.maximum(std, eps), 0.0)
    z[(std < eps).repeat(segs.shape[2], axis=2)] = 0.0
    stats = np.concatenate([mean[..., 0], np.log(np.maximum(std[..., 0], eps))], 1)
    return z.astype(np.float32), mask, neuron_index, stats


def _make_module(encoder, embedding_dim, n_classes):
    # torch is imported here so that importing neurovec.evaluation stays light.
    from torch import nn

    class _SegmentClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder
            self.head = nn.Linear(embedding_dim, n_classes)

        def forward(self, x, mask):
            return self.head(self.encoder(x, mask=mask))

    return _SegmentClassifier()


class SupervisedEncoderClassifier(ClassifierMixin, BaseEstimator):
    """The neurovec segment encoder trained with labels (supervised upper bound).

    Parameters
    ----------
    embedding_dim : int, default=64
        Encoder output size (before the linear head).
    encoder : {"cnn", "transformer", "context"} or torch.nn.Module subclass, \
            default="cnn"
        Segment encoder, as in :class:`neurovec.NeuronVICRegEmbedder`
        (``"context"`` for inputs with context channels, e.g. from
        :func:`neurovec.add_population_context`).
    encoder_kwargs : dict or None, default=None
        Extra constructor arguments of the encoder.
    segment_stats : bool, default=True
        Append each segment's channel means and log standard deviations
        (standardised over the training segments) as constant input channels, so
        that rate and amplitude stay visible after per-segment z-scoring.
    class_weight : {"balanced"} or None, default="balanced"
        Weight the cross-entropy by inverse class frequency (over segments).
    batch_size : int, default=128
        Segments per training step.
    max_epochs : int, default=20
        Training epochs.
    lr : float, default=1e-3
        AdamW learning rate.
    weight_decay : float, default=1e-4
        AdamW weight decay.
    device : str, default="auto"
        torch device; ``"auto"``: CUDA when available, else CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, shuffling).
    verbose : int, default=0
        skorch's per-epoch printout when >= 1.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    net_ : skorch.NeuralNetClassifier
        The fitted net.
    history_ : skorch.History
        Per-epoch ``train_loss``.
    n_channels_ : int
        Input channels seen at fit.
    segment_length_ : int
        Segment length seen at fit.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SupervisedEncoderClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 8)
    >>> X = rng.normal(size=(16, 3, 20)) * (1 + y[:, None, None])
    >>> clf = SupervisedEncoderClassifier(embedding_dim=4, max_epochs=2,
    ...     encoder_kwargs={"hidden_channels": 4, "n_blocks": 1}, random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape
    (16, 2)
    """

    _parameter_constraints = {
        "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "encoder": [StrOptions({"cnn", "transformer", "context"}), type],
        "encoder_kwargs": [dict, None],
        "segment_stats": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        embedding_dim=64,
        *,
        encoder="cnn",
        encoder_kwargs=None,
        segment_stats=True,
        class_weight="balanced",
        batch_size=128,
        max_epochs=20,
        lr=1e-3,
        weight_decay=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.embedding_dim = embedding_dim
        self.encoder = encoder
        self.encoder_kwargs = encoder_kwargs
        self.segment_stats = segment_stats
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _inputs(self, X):
        z, mask, neuron_index, stats = _segment_inputs(X)
        if self.segment_stats:
            s = (stats - self.stats_mean_) / self.stats_std_
            const = np.repeat(s[:, :, None], z.shape[2], axis=2) * mask[:, None]
            z = np.concatenate([z, const.astype(np.float32)], axis=1)
        return {"x": z, "mask": mask}, neuron_index

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the encoder and head on every valid segment.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.
        y : array-like of shape (n_neurons,)
            Labels.

        Returns
        -------
        self : SupervisedEncoderClassifier
        """
        import torch
        from skorch import NeuralNetClassifier

        from neurovec.embedder._encoders import build_encoder

        X = check_segmented(X)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(
                f"Expected one label per neuron ({len(X)}); received {len(y)}."
            )
        check_classification_targets(y)
        encoder_ = LabelEncoder().fit(y)
        self.classes_ = encoder_.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"Expected at least 2 classes; received {len(self.classes_)}."
            )
        self.n_channels_, self.segment_length_ = X.shape[3], X.shape[2]
        _, _, neuron_index, stats = _segment_inputs(X)
        self.stats_mean_ = stats.mean(axis=0)
        self.stats_std_ = np.maximum(stats.std(axis=0), 1e-3)
        inputs, neuron_index = self._inputs(X)
        y_seg = encoder_.transform(y)[neuron_index].astype(np.int64)
        n_classes = len(self.classes_)
        weight = None
        if self.class_weight == "balanced":
            counts = np.bincount(y_seg, minlength=n_classes)
            weight = torch.as_tensor(
                len(y_seg) / (n_classes * counts), dtype=torch.float32
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(0, 2**31 - 1))
        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device_ = device
        in_channels = inputs["x"].shape[1]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            enc = build_encoder(
                self.encoder,
                in_channels,
                self.embedding_dim,
                **(self.encoder_kwargs or {}),
            )
            net = NeuralNetClassifier(
                module=_make_module(enc, self.embedding_dim, n_classes),
                criterion=torch.nn.CrossEntropyLoss,
                criterion__weight=weight,
                optimizer=torch.optim.AdamW,
                optimizer__weight_decay=self.weight_decay,
                lr=self.lr,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                train_split=None,
                iterator_train__shuffle=True,
                device=device,
                verbose=self.verbose,
                classes=np.arange(n_classes),
            )
            net.fit(inputs, y_seg)
        self.net_ = net
        self.history_ = net.history
        return self

    def decision_function(self, X):
        """Segment logits averaged over each neuron's valid segments.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        scores : ndarray of shape (n_neurons, n_classes)
        """
        check_is_fitted(self)
        X = check_segmented(
            X, n_channels=self.n_channels_, expected_segment_length=self.segment_length_
        )
        inputs, neuron_index = self._inputs(X)
        logits = self.net_.forward(inputs, training=False, device="cpu").numpy()
        total = np.zeros((len(X), logits.shape[1]))
        np.add.at(total, neuron_index, logits)
        return total / np.bincount(neuron_index, minlength=len(X))[:, None]

    def predict_proba(self, X):
        """Softmax of the averaged segment logits.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        proba : ndarray of shape (n_neurons, n_classes)
        """
        s = self.decision_function(X)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most likely class of each neuron.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        y_pred : ndarray of shape (n_neurons,)
        """
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
