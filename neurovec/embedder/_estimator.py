"""NeuronVICRegEmbedder: a self-supervised, per-neuron embedding of activity.

Each neuron is observed in several segments (different stimuli, behaviours,
brain states). Two segments of the same neuron form a positive pair; an encoder
followed by a projector (expander) is trained with VICReg so that the encoder's
output of a segment depends on *which neuron* produced it, not on what the neuron
was doing. ``transform`` averages the encoder outputs over a neuron's valid
segments (Wu et al., ICLR 2025).
"""

import copy
import numbers

import numpy as np
import torch
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import LRScheduler, PassthroughScoring

from neurovec._validation import check_segmented, segment_lengths

from ._dataset import PairDataset, SegmentDataset
from ._encoders import build_encoder
from ._net import (
    _TERMS,
    TqdmEpochs,
    VICRegModule,
    VICRegNet,
    build_projector,
    fit_statistics,
)

__all__ = ["NeuronVICRegEmbedder"]


def _ndim(X):
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape)
    try:
        return np.ndim(X)
    except ValueError:  # ragged nested lists
        return -1


def _scale_neurons(Xc, eps=1e-6):
    """Divide each neuron and channel by its std over all valid samples."""
    with np.errstate(invalid="ignore"):
        flat = Xc.reshape(Xc.shape[0], -1, Xc.shape[3])
        sd = np.nanstd(flat, axis=1)  # (n_neurons, n_channels)
    sd = np.where(np.isfinite(sd) & (sd > eps), sd, 1.0).astype(np.float32)
    return Xc / sd[:, None, None, :]


class NeuronVICRegEmbedder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Learn one vector per neuron with VICReg on pairs of its segments.

    Parameters
    ----------
    embedding_dim : int, default=64
        Size of the representation returned by :meth:`transform` (encoder output).
    encoder : {"cnn", "transformer", "context"} or torch.nn.Module subclass, \
            default="cnn"
        ``"cnn"``: dilated 1-D residual CNN with masked mean/max pooling;
        ``"transformer"``: patch embedding + Transformer + masked mean pooling;
        ``"context"``: for inputs with context channels (behaviour, population
        mean): separate CNNs for the own channel 0 and the context channels,
        pooled into own-dynamics statistics and own-context correlations (the
        context alone, shared by all neurons of an animal, cannot reach the
        output; see :class:`~neurovec.embedder._context.ContextEncoder`);
        a user class is instantiated as ``encoder(in_channels=...,
        embedding_dim=..., **encoder_kwargs)`` and must implement
        ``forward(x, mask=None)`` (see
        :func:`~neurovec.embedder._encoders.build_encoder`).
    encoder_kwargs : dict or None, default=None
        Extra constructor arguments of the encoder (e.g. ``hidden_channels``,
        ``n_blocks`` for the CNN).
    projector : tuple of int, default=(256, 256)
        Layer sizes of the projector (expander) used only during training; ``()``
        applies VICReg directly to the encoder output.
    sim_weight : float, default=25.0
        VICReg weight of the invariance term (see :func:`vicreg_loss`).
    var_weight : float, default=25.0
        VICReg weight of the variance term.
    cov_weight : float, default=1.0
        VICReg weight of the covariance term.
    normalize : {"segment", "global"} or None, default="segment"
        ``"segment"``: z-score each segment and channel (constant segments give
        zeros); ``"global"``: standardise each channel with statistics learned at
        fit; None: raw values.
    segment_stats : bool, default=True
        With ``normalize="segment"``, append each segment's mean and log-std
        (standardised across the training segments) as constant input channels,
        so that firing rate and amplitude stay visible to the encoder.
    crop_size : float, int or None, default=0.8
        Training crop length: a fraction of ``segment_length`` (float in (0, 1])
        or a number of samples (int >= 2). The crop start is drawn uniformly
        inside the valid part of the segment (crop jitter). None or 1 uses whole
        segments (no jitter). Segments shorter than the crop are used whole.
        :meth:`transform` always encodes whole segments.
    scale_range : float or None, default=0.1
        Amplitude scaling of channel 0: a gain drawn log-uniformly in
        ``[1/(1+scale_range), 1+scale_range]`` per view. 0 or None: off.
    noise_std : float or None, default=0.05
        Additive Gaussian noise on channel 0, relative to the crop's standard
        deviation. 0 or None: off.
    neuron_scale : bool, default=False
        Divide each neuron's traces (every channel) by that neuron's standard
        deviation over all its valid samples before anything else, both at fit
        and at transform. Removes per-recording gains (e.g. the fluorescence
        scale of calcium imaging, which differs between animals) while keeping
        how a neuron's activity changes from one segment to the next.
    segment_length : int or None, default=None
        Segment length used to cut 2-D input ``(n_neurons, n_timepoints)``; None
        makes each row one segment. Ignored for 3-D/4-D input.
    pairs_per_neuron : int, default=1
        Positive pairs drawn per neuron and epoch (raise it for small datasets:
        an epoch has ``n_neurons * pairs_per_neuron`` pairs).
    batch_size : int, default=128
        Pairs per training step (each step encodes ``2 * batch_size`` crops);
        also the number of segments per step in :meth:`transform`.
    max_epochs : int, default=20
        Training epochs (callbacks such as EarlyStopping may stop earlier).
    lr : float, default=1e-3
        AdamW learning rate.
    lr_schedule : {"constant", "cosine"}, default="constant"
        ``"cosine"`` anneals the learning rate to 0 over ``max_epochs`` (one step
        per epoch).
    weight_decay : float, default=1e-4
        AdamW weight decay.
    device : str, default="auto"
        torch device; ``"auto"`` picks CUDA when available, else CPU.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Autocast precision on CUDA (ignored on CPU). ``"16-mixed"`` adds loss
        scaling.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks, e.g. ``EarlyStopping(monitor="train_loss")`` or
        ``Checkpoint(monitor="train_loss_best")``. Copied at each fit.
    random_state : int, RandomState instance or None, default=None
        Seeds numpy (pair sampling, augmentations) and torch (weights, shuffling)
        from one generator. On CPU, equal seeds give identical embeddings.
    transform_pooling : {"mean", "meanstd"}, default="mean"
        How :meth:`transform` pools a neuron's segment embeddings: their mean
        (``embedding_dim`` features) or their mean followed by their standard
        deviation over segments (``2 * embedding_dim`` features).
    verbose : int, default=0
        0: silent; >=1: tqdm progress bar over epochs showing the loss.

    Attributes
    ----------
    net_ : VICRegNet
        The fitted skorch net (``net_.module_`` is the torch module).
    history_ : skorch.History
        Per epoch: ``epoch``, ``train_loss`` and the unweighted VICReg terms
        ``invariance``, ``variance``, ``covariance`` averaged over batches.
    n_features_in_ : int
        Values per segment, ``segment_length_ * n_channels_`` (for 2-D input with
        ``segment_length=None``: the number of columns).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, only when fitted on a DataFrame.
    embedding_dim_ : int
        Size of one segment embedding (``transform`` returns twice as many
        features with ``transform_pooling="meanstd"``).
    device_ : str
        Device used for training and inference.
    n_channels_ : int
        Input channels (1 + context channels).
    segment_length_ : int
        Segment length seen at fit.

    See Also
    --------
    vicreg_loss : The training objective.
    neurovec.segment_traces : Cut continuous recordings into segments.

    Notes
    -----
    Each training step draws neurons and, per neuron, two *different* valid
    segments; a neuron with a single valid segment contributes two crops of that
    segment. There is no internal validation split (``train_split=None``): a
    random split would mix neurons of one animal.

    :meth:`save` / :meth:`load` store weights (``torch.load(weights_only=True)``)
    and JSON metadata, and never unpickle code. Pickle and joblib also work.

    References
    ----------
    .. [1] Wu et al., "Neuron Platonic Intrinsic Representation From Dynamics
       Using Contrastive Learning", ICLR 2025.
    .. [2] Bardes, Ponce and LeCun, "VICReg", ICLR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.embedder import NeuronVICRegEmbedder
    >>> X = np.random.default_rng(0).normal(size=(20, 4, 32))
    >>> emb = NeuronVICRegEmbedder(embedding_dim=8, projector=(16,), max_epochs=1,
    ...     encoder_kwargs={"hidden_channels": 8, "n_blocks": 1}, random_state=0)
    >>> emb.fit_transform(X).shape
    (20, 8)
    """

    _parameter_constraints = {
        "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "encoder": [StrOptions({"cnn", "transformer", "context"}), type],
        "encoder_kwargs": [dict, None],
        "projector": [tuple, list],
        "sim_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "var_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "cov_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "normalize": [StrOptions({"segment", "global"}), None],
        "segment_stats": ["boolean"],
        "crop_size": [
            Interval(numbers.Real, 0, 1, closed="right"),
            Interval(numbers.Integral, 2, None, closed="left"),
            None,
        ],
        "scale_range": [Interval(numbers.Real, 0, None, closed="left"), None],
        "noise_std": [Interval(numbers.Real, 0, None, closed="left"), None],
        "neuron_scale": ["boolean"],
        "segment_length": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "pairs_per_neuron": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "device": [str],
        "precision": [StrOptions({"32", "bf16", "16-mixed"})],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "transform_pooling": [StrOptions({"mean", "meanstd"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        embedding_dim=64,
        *,
        encoder="cnn",
        encoder_kwargs=None,
        projector=(256, 256),
        sim_weight=25.0,
        var_weight=25.0,
        cov_weight=1.0,
        normalize="segment",
        segment_stats=True,
        crop_size=0.8,
        scale_range=0.1,
        noise_std=0.05,
        neuron_scale=False,
        segment_length=None,
        pairs_per_neuron=1,
        batch_size=128,
        max_epochs=20,
        lr=1e-3,
        lr_schedule="constant",
        weight_decay=1e-4,
        device="auto",
        precision="32",
        callbacks=None,
        random_state=None,
        transform_pooling="mean",
        verbose=0,
    ):
        self.embedding_dim = embedding_dim
        self.encoder = encoder
        self.encoder_kwargs = encoder_kwargs
        self.projector = projector
        self.sim_weight = sim_weight
        self.var_weight = var_weight
        self.cov_weight = cov_weight
        self.normalize = normalize
        self.segment_stats = segment_stats
        self.crop_size = crop_size
        self.scale_range = scale_range
        self.noise_std = noise_std
        self.neuron_scale = neuron_scale
        self.segment_length = segment_length
        self.pairs_per_neuron = pairs_per_neuron
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.device = device
        self.precision = precision
        self.callbacks = callbacks
        self.random_state = random_state
        self.transform_pooling = transform_pooling
        self.verbose = verbose

    # -- validation ------------------------------------------------------------
    def _check_X(self, X, reset):
        if sparse.issparse(X):
            raise TypeError(
                "NeuronVICRegEmbedder does not accept sparse input; expected a dense "
                f"array of traces, received {type(X).__name__} of shape {X.shape}. "
                "Use X.toarray()."
            )
        # Plain 2-D tables (each row one segment) get scikit-learn's column checks.
        if not hasattr(X, "shape") and not isinstance(X, (list, tuple)):
            X = np.asarray(X)  # array-likes exposing only __array__
        ndim = _ndim(X)
        if ndim == 1:
            raise ValueError(
                "Expected X with shape (n_neurons, n_timepoints) or (n_neurons, "
                "n_segments, segment_length[, n_channels]); received a 1-D array of "
                f"shape {np.shape(X)}. Reshape your data: X.reshape(1, -1) for a "
                "single neuron, X.reshape(-1, 1) for single samples."
            )
        whole_rows = ndim == 2 and self.segment_length is None
        if whole_rows and np.shape(X)[1] == 0:
            # scikit-learn's wording, so generic tools recognise the error.
            raise ValueError(
                f"Found array with 0 feature(s) (shape={np.shape(X)}) while a "
                "minimum of 1 is required: X must be (n_neurons, n_timepoints) "
                "with at least one time point."
            )
        validate_data(self, X, reset=reset, skip_check_array=True, ensure_2d=whole_rows)
        if reset:
            Xc = check_segmented(X, segment_length=self.segment_length)
            if not whole_rows:
                self.n_features_in_ = Xc.shape[2] * Xc.shape[3]
        else:
            Xc = check_segmented(
                X,
                segment_length=self.segment_length,
                n_channels=self.n_channels_,
                expected_segment_length=self.segment_length_,
            )
        return _scale_neurons(Xc) if self.neuron_scale else Xc

    def _resolve_device(self):
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _crop_len(self, length):
        c = self.crop_size
        if c is None:
            return length
        if isinstance(c, numbers.Integral) and c > 1:
            return int(min(c, length))
        return int(max(1, min(length, round(c * length))))

    # -- network ---------------------------------------------------------------
    def _build_net(self, device, n_pairs):
        n_channels = self.n_channels_
        extra = (
            2 * n_channels
            if (self.normalize == "segment" and self.segment_stats)
            else 0
        )
        encoder = build_encoder(
            self.encoder,
            n_channels + extra,
            self.embedding_dim,
            **(self.encoder_kwargs or {}),
        )
        module = VICRegModule(
            encoder,
            build_projector(self.embedding_dim, tuple(self.projector)),
            n_channels,
            self.normalize,
            self.segment_stats,
        )
        callbacks = [
            (name, PassthroughScoring(name=name, on_train=True)) for name in _TERMS
        ]
        if self.lr_schedule == "cosine":
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                        T_max=self.max_epochs,
                    ),
                )
            )
        callbacks.append(
            ("progress", TqdmEpochs(self.max_epochs, disable=not self.verbose))
        )
        callbacks += copy.deepcopy(list(self.callbacks or []))
        # A last batch of one pair would make the variance term undefined.
        drop_last = n_pairs > self.batch_size and n_pairs % self.batch_size == 1
        return VICRegNet(
            module=module,
            criterion=torch.nn.Identity,
            optimizer=torch.optim.AdamW,
            lr=self.lr,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=None,
            iterator_train__shuffle=True,
            iterator_train__drop_last=drop_last,
            callbacks=callbacks,
            device=device,
            verbose=0,
            sim_weight=self.sim_weight,
            var_weight=self.var_weight,
            cov_weight=self.cov_weight,
            precision=self.precision,
        )

    # -- public API --------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the encoder with VICReg on pairs of segments of each neuron.

        Parameters
        ----------
        X : array-like
            Segmented traces ``(n_neurons, n_segments, segment_length[,
            n_channels])`` (NaN-padded), or 2-D ``(n_neurons, n_timepoints)``
            cut by ``segment_length``. At least 2 neurons.
        y : None
            Ignored (self-supervised).

        Returns
        -------
        self : NeuronVICRegEmbedder
        """
        Xc = self._check_X(X, reset=True)
        n_neurons, _, length, n_channels = Xc.shape
        if n_neurons < 2:
            raise ValueError(
                "NeuronVICRegEmbedder needs at least 2 neurons to fit (the VICReg "
                f"variance term is undefined for 1 sample); received {n_neurons} "
                f"neuron(s), array of shape {Xc.shape}."
            )
        lengths = segment_lengths(Xc)
        rng = check_random_state(self.random_state)
        torch_seed, data_seed = (int(s) for s in rng.randint(0, 2**31 - 1, size=2))
        self.n_channels_ = n_channels
        self.segment_length_ = length
        self.embedding_dim_ = self.embedding_dim
        self.device_ = self._resolve_device()
        dataset = PairDataset(
            Xc,
            lengths,
            self.pairs_per_neuron,
            self._crop_len(length),
            self.scale_range,
            self.noise_std,
            data_seed,
        )
        stats = fit_statistics(Xc, lengths)
        cuda = torch.device(self.device_).type == "cuda"
        devices = [torch.device(self.device_).index or 0] if cuda else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(torch_seed)
            net = self._build_net(self.device_, len(dataset))
            net.initialize()
            module = net.module_
            for name, value in zip(
                ("channel_mean", "channel_std", "stats_mean", "stats_std"), stats
            ):
                getattr(module, name).copy_(torch.as_tensor(value))
            net.partial_fit(dataset, None)
        self.net_ = net
        self.history_ = net.history
        return self

    def _embed_segments(self, Xc):
        mask = segment_lengths(Xc) > 0
        index = np.argwhere(mask)
        out = self.net_.forward(SegmentDataset(Xc, index), training=False, device="cpu")
        return mask, index, out.numpy().astype(np.float32, copy=False)

    def transform_segments(self, X):
        """Embed every segment separately.

        Parameters
        ----------
        X : array-like
            Segmented traces (see :meth:`fit`).

        Returns
        -------
        E : ndarray of shape (n_neurons, n_segments, embedding_dim), float32
            Encoder outputs; NaN for missing segments.
        """
        check_is_fitted(self)
        Xc = self._check_X(X, reset=False)
        mask, index, out = self._embed_segments(Xc)
        E = np.full((*mask.shape, self.embedding_dim_), np.nan, dtype=np.float32)
        E[index[:, 0], index[:, 1]] = out
        return E

    def transform(self, X):
        """Embed each neuron: encoder outputs pooled over its valid segments.

        Parameters
        ----------
        X : array-like
            Segmented traces (see :meth:`fit`).

        Returns
        -------
        X_new : ndarray of shape (n_neurons, embedding_dim), float32
            Mean over segments; with ``transform_pooling="meanstd"`` the mean
            followed by the standard deviation, ``(n_neurons, 2 *
            embedding_dim)``.
        """
        check_is_fitted(self)
        Xc = self._check_X(X, reset=False)
        mask, index, out = self._embed_segments(Xc)
        count = mask.sum(axis=1)[:, None]
        total = np.zeros((mask.shape[0], self.embedding_dim_), dtype=np.float64)
        np.add.at(total, index[:, 0], out)
        mean = total / count
        if self.transform_pooling == "mean":
            return mean.astype(np.float32)
        sq = np.zeros_like(total)
        np.add.at(sq, index[:, 0], (out - mean[index[:, 0]]) ** 2)
        std = np.sqrt(sq / count)
        return np.concatenate([mean, std], axis=1).astype(np.float32)

    @property
    def _n_features_out(self):
        return self.embedding_dim_ * (2 if self.transform_pooling == "meanstd" else 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags

    def __setstate__(self, state):
        # A model fitted on CUDA keeps working on a CPU-only machine (skorch maps
        # the net's tensors; the recorded device follows).
        device = str(state.get("device_", "cpu"))
        if device.startswith("cuda") and not torch.cuda.is_available():
            state["device_"] = "cpu"
        super().__setstate__(state)

    def save(self, path):
        """Save the fitted model without pickle (weights + JSON metadata).

        Parameters
        ----------
        path : str or path-like
            Output file. Load it with :meth:`load`.

        Notes
        -----
        The file holds the torch ``state_dict`` and JSON strings of the
        parameters, fitted metadata and history; it is read back with
        ``torch.load(weights_only=True)``, so loading never executes code. A
        custom encoder class is stored by import path and re-imported only when
        ``load(..., allow_custom_encoder=True)``. ``callbacks`` are not saved.
        """
        from ._io import save_embedder

        save_embedder(self, path)

    @classmethod
    def load(cls, path, *, allow_custom_encoder=False, device=None):
        """Load a model written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        allow_custom_encoder : bool, default=False
            Whether to import a user encoder class named in the file.
        device : str or None, default=None
            Target device; None keeps the saved one, falling back to CPU when
            CUDA is not available.

        Returns
        -------
        estimator : NeuronVICRegEmbedder
        """
        from ._io import load_embedder

        return load_embedder(
            cls, path, allow_custom_encoder=allow_custom_encoder, device=device
        )
