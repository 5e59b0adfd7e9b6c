"""NeuronVICRegEmbedder: learning, data handling, sklearn composition, errors."""

import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from skorch.callbacks import EarlyStopping
from torch import nn

from neurovec.embedder import NeuronVICRegEmbedder
from neurovec.embedder._augment import standardize_segments
from neurovec.embedder._encoders import build_encoder

TINY = dict(
    embedding_dim=8,
    encoder_kwargs={"hidden_channels": 8, "n_blocks": 2},
    projector=(16,),
    max_epochs=2,
    batch_size=16,
    random_state=0,
)


def make_toy(n_animals=4, n_per_kind=10, n_segments=6, length=64, seed=0):
    """Three kinds of neurons: slow and fast oscillators (random phase) and
    bursters; each animal has its own gain."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    X, y, groups = [], [], []
    for animal in range(n_animals):
        gain = 1 + 0.2 * rng.standard_normal()
        for kind in range(3):
            for _ in range(n_per_kind):
                segs = []
                for _ in range(n_segments):
                    if kind < 2:
                        freq = 0.04 if kind == 0 else 0.2
                        s = np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
                    else:
                        s = np.zeros(length)
                        for onset in rng.choice(length, size=3, replace=False):
                            s[onset:] += 2 * np.exp(-(t[onset:] - onset) / 4.0)
                    segs.append(gain * s + 0.3 * rng.standard_normal(length))
                X.append(segs)
                y.append(kind)
                groups.append(animal)
    return np.asarray(X, np.float32), np.asarray(y), np.asarray(groups)


def _data(n=12, s=3, length=24, c=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, s, length) if c is None else (n, s, length, c)
    return rng.normal(size=shape).astype(np.float32)


def test_learns_neuron_kinds_on_held_out_animals():
    X, y, groups = make_toy()
    train, test = groups < 3, groups == 3
    emb = NeuronVICRegEmbedder(
        embedding_dim=16,
        projector=(32,),
        max_epochs=6,
        batch_size=32,
        encoder_kwargs={"hidden_channels": 8, "n_blocks": 2},
        pairs_per_neuron=4,
        lr=3e-3,
        random_state=0,
    ).fit(X[train])
    loss = emb.history_[:, "train_loss"]
    assert loss[-1] < loss[0]
    Z = emb.transform(X)
    clf = LogisticRegression(max_iter=1000).fit(Z[train], y[train])
    assert balanced_accuracy_score(y[test], clf.predict(Z[test])) >= 0.9


def test_fitted_attributes_and_history():
    X = _data(c=2)
    emb = NeuronVICRegEmbedder(**TINY).fit(X)
    assert emb.n_channels_ == 2
    assert emb.segment_length_ == 24
    assert emb.n_features_in_ == 48
    assert emb.embedding_dim_ == 8
    assert emb.device_ == "cpu"
    assert emb.history_ is emb.net_.history
    assert len(emb.history_) == 2
    for key in ("epoch", "train_loss", "invariance", "variance", "covariance"):
        assert np.all(np.isfinite(emb.history_[:, key]))
    # Epoch values are the batch averages of each term.
    batches = emb.history_[-1, "batches"]
    sizes = np.array([b["train_batch_size"] for b in batches])
    inv = np.array([b["invariance"] for b in batches])
    assert_allclose(emb.history_[-1, "invariance"], np.average(inv, weights=sizes))


def test_transform_shapes_dtype_and_feature_names():
    X = _data()
    emb = NeuronVICRegEmbedder(**TINY).fit(X)
    Z = emb.transform(X)
    assert Z.shape == (12, 8) and Z.dtype == np.float32
    E = emb.transform_segments(X)
    assert E.shape == (12, 3, 8)
    assert_allclose(E.mean(axis=1), Z, atol=1e-6)
    names = emb.get_feature_names_out()
    assert names[0] == "neuronvicregembedder0" and len(names) == 8


def test_missing_segments_and_padding_never_leak():
    X = _data(n=6, s=3, length=30)
    emb = NeuronVICRegEmbedder(**TINY).fit(X)
    X2 = X.copy()
    X2[0, 2] = np.nan  # missing segment
    X2[1, 1, 20:] = np.nan  # short segment (trailing padding)
    E = emb.transform_segments(X2)
    assert np.isnan(E[0, 2]).all() and np.isfinite(E[0, :2]).all()
    # A padded segment embeds exactly like the same segment cut to its length.
    module = emb.net_.module_.eval()
    x = torch.from_numpy(X2[1, 1, :20][None, None].copy())
    with torch.no_grad():
        alone = module(x, torch.ones(1, 20, dtype=torch.bool)).numpy()
    assert_allclose(E[1, 1], alone[0], atol=1e-5)
    assert_allclose(emb.transform(X2)[0], E[0, :2].mean(axis=0), atol=1e-6)
    # Garbage in the padding cannot matter: padding must be NaN by contract.
    assert_allclose(emb.transform(X2)[2:], emb.transform(X)[2:], atol=1e-6)


def test_fit_with_padding_single_segment_neurons_and_constant_traces():
    X = _data(n=8, s=3, length=30)
    X[0, 1:] = np.nan  # one valid segment: two crops of it
    X[1, :, 25:] = np.nan
    X[2] = 5.0  # constant neuron: eps keeps standardisation finite
    emb = NeuronVICRegEmbedder(**TINY).fit(X)
    assert np.all(np.isfinite(emb.history_[:, "train_loss"]))
    assert np.all(np.isfinite(emb.transform(X)))


def test_two_dimensional_input_with_segment_length():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 100)).astype(np.float32)
    emb = NeuronVICRegEmbedder(segment_length=25, **TINY).fit(X)
    assert emb.segment_length_ == 25
    assert emb.transform(X).shape == (10, 8)
    # Longer recordings simply give more segments.
    assert emb.transform_segments(rng.normal(size=(3, 150))).shape == (3, 6, 8)


@pytest.mark.parametrize("normalize", ["segment", "global", None])
@pytest.mark.parametrize("encoder", ["cnn", "transformer"])
def test_encoders_and_normalisations(encoder, normalize):
    kwargs = dict(TINY)
    if encoder == "transformer":
        kwargs["encoder_kwargs"] = {
            "patch_size": 4,
            "d_model": 16,
            "n_heads": 2,
            "n_layers": 1,
            "dim_feedforward": 16,
        }
    X = _data(c=2)
    emb = NeuronVICRegEmbedder(encoder=encoder, normalize=normalize, **kwargs)
    Z = emb.fit(X).transform(X)
    assert Z.shape == (12, 8) and np.all(np.isfinite(Z))


def test_segment_stats_make_amplitude_visible():
    X = _data()
    emb = NeuronVICRegEmbedder(**TINY).fit(X)
    # Per-segment z-scoring alone would map 3 * X to the same embedding.
    assert not np.allclose(emb.transform(3 * X), emb.transform(X), atol=1e-3)
    emb_plain = NeuronVICRegEmbedder(segment_stats=False, **TINY).fit(X)
    assert_allclose(emb_plain.transform(3 * X), emb_plain.transform(X), atol=1e-4)


class _MeanEncoder(nn.Module):
    def __init__(self, in_channels, embedding_dim, width=4):
        super().__init__()
        self.lin = nn.Linear(in_channels, embedding_dim)

    def forward(self, x, mask=None):
        m = mask[:, None, :].to(x.dtype)
        return self.lin((x * m).sum(2) / m.sum(2))


def test_custom_encoder_class():
    X = _data()
    emb = NeuronVICRegEmbedder(
        **{**TINY, "encoder_kwargs": {"width": 2}}, encoder=_MeanEncoder
    ).fit(X)
    assert isinstance(emb.net_.module_.encoder, _MeanEncoder)
    assert emb.transform(X).shape == (12, 8)


def test_build_encoder_interface():
    x = torch.randn(5, 3, 40)
    mask = torch.ones(5, 40, dtype=torch.bool)
    mask[0, 30:] = False
    for name, kw in [("cnn", {}), ("transformer", {"patch_size": 8})]:
        enc = build_encoder(name, 3, 12, **kw).eval()
        assert enc(x, mask).shape == (5, 12)
        assert enc(x).shape == (5, 12)
    with pytest.raises(ValueError, match="Expected encoder"):
        build_encoder("rnn", 1, 4)
    with pytest.raises(TypeError, match="Module subclass"):
        build_encoder(3, 1, 4)


def test_standardize_segments_masked_and_constant():
    x = torch.tensor([[[1.0, 2.0, 3.0, 100.0]], [[4.0, 4.0, 4.0, 4.0]]])
    mask = torch.tensor([[True, True, True, False], [True] * 4])
    z = standardize_segments(x, mask)
    assert_allclose(z[0, 0].numpy(), [-1.2247449, 0.0, 1.2247449, 0.0], atol=1e-6)
    assert_array_equal(z[1].numpy(), 0.0)


def test_same_seed_same_embedding_other_seed_differs():
    X = _data()
    a = NeuronVICRegEmbedder(**TINY).fit(X).transform(X)
    b = NeuronVICRegEmbedder(**TINY).fit(X).transform(X)
    c = NeuronVICRegEmbedder(**{**TINY, "random_state": 1}).fit(X).transform(X)
    assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_global_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    NeuronVICRegEmbedder(**TINY).fit(_data())
    assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_callbacks_early_stopping_on_train_loss():
    X = _data()
    stopper = EarlyStopping(monitor="train_loss", patience=1, threshold=1e9)
    before = set(vars(stopper))
    emb = NeuronVICRegEmbedder(**{**TINY, "max_epochs": 10}, callbacks=[stopper])
    emb.fit(X)
    assert len(emb.history_) < 10
    # The user's callback object is copied, never mutated.
    assert set(vars(stopper)) == before


def test_verbose_shows_progress_bar(capsys):
    NeuronVICRegEmbedder(**TINY, verbose=1).fit(_data())
    err = capsys.readouterr().err
    assert "loss=" in err and "2/2" in err
    NeuronVICRegEmbedder(**TINY, verbose=0).fit(_data())
    assert capsys.readouterr().err == ""


def test_clone_get_set_params():
    emb = NeuronVICRegEmbedder(**TINY)
    emb2 = clone(emb).set_params(embedding_dim=4, max_epochs=1)
    assert emb2.get_params()["embedding_dim"] == 4
    assert emb.get_params()["embedding_dim"] == 8
    assert emb2.fit(_data()).transform(_data()).shape == (12, 4)


def test_grid_search_pipeline_grouped_by_animal():
    X, y, groups = make_toy(n_animals=3, n_per_kind=4, n_segments=3, length=32)
    pipe = Pipeline(
        [
            ("emb", NeuronVICRegEmbedder(**{**TINY, "max_epochs": 1})),
            ("clf", LogisticRegression(max_iter=200)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"emb__embedding_dim": [4, 8]},
        cv=GroupKFold(n_splits=3),
        scoring="balanced_accuracy",
    )
    search.fit(X, y, groups=groups)
    assert search.best_params_["emb__embedding_dim"] in (4, 8)
    assert search.predict(X).shape == (len(y),)


# -- bad input -------------------------------------------------------------------
def test_transform_before_fit():
    with pytest.raises(NotFittedError):
        NeuronVICRegEmbedder().transform(_data())


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros(5), ValueError, "1-D"),
        (np.zeros((2, 2, 2, 2, 2)), ValueError, "5 dimension"),
        (np.zeros((0, 3, 10)), ValueError, "non-empty"),
        (np.zeros((3, 0)), ValueError, "0 feature"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "numeric dtype"),
        (np.zeros((3, 2), dtype=object), TypeError, "numeric dtype"),
        (np.zeros((1, 3, 10)), ValueError, "at least 2 neurons"),
    ],
)
def test_fit_rejects_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        NeuronVICRegEmbedder(**TINY).fit(X)


def test_fit_rejects_nan_inside_segment_inf_and_empty_neuron():
    X = _data()
    X_nan = X.copy()
    X_nan[0, 0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN inside a segment"):
        NeuronVICRegEmbedder(**TINY).fit(X_nan)
    X_inf = X.copy()
    X_inf[1, 1, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        NeuronVICRegEmbedder(**TINY).fit(X_inf)
    X_empty = X.copy()
    X_empty[2] = np.nan
    with pytest.raises(ValueError, match="without any valid segment"):
        NeuronVICRegEmbedder(**TINY).fit(X_empty)


def test_transform_rejects_mismatched_shape():
    emb = NeuronVICRegEmbedder(**TINY).fit(_data(c=2))
    with pytest.raises(ValueError, match="segment_length=24"):
        emb.transform(_data(length=30, c=2))
    with pytest.raises(ValueError, match="fitted with 2"):
        emb.transform(_data(c=3))
    emb2d = NeuronVICRegEmbedder(**TINY).fit(
        np.random.default_rng(0).normal(size=(6, 20))
    )
    with pytest.raises(ValueError, match="expecting 20 features"):
        emb2d.transform(np.zeros((6, 21)))


def test_invalid_parameters():
    with pytest.raises(ValueError, match="precision"):
        NeuronVICRegEmbedder(precision="8").fit(_data())
    with pytest.raises(ValueError, match="crop_size"):
        NeuronVICRegEmbedder(crop_size=1.5).fit(_data())


def test_precision_is_ignored_on_cpu():
    X = _data()
    a = NeuronVICRegEmbedder(**TINY).fit(X).transform(X)
    b = NeuronVICRegEmbedder(**TINY, precision="bf16").fit(X).transform(X)
    assert_array_equal(a, b)


def test_loss_scaling_step_runs(monkeypatch):
    # Exercise the float16 loss-scaling train step without a GPU (the scaler
    # disables itself on CPU, so the update must equal a plain AdamW step).
    from neurovec.embedder._net import VICRegNet

    X = _data()
    expected = NeuronVICRegEmbedder(**TINY).fit(X).transform(X)
    monkeypatch.setattr(VICRegNet, "_uses_grad_scaler", lambda self: True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        emb = NeuronVICRegEmbedder(**TINY, precision="16-mixed").fit(X)
    assert emb.net_.grad_scaler_ is not None
    assert_allclose(emb.transform(X), expected, atol=1e-5)


def test_checkpoint_callback_writes_best_params(tmp_path):
    from skorch.callbacks import Checkpoint

    cp = Checkpoint(monitor="train_loss_best", dirname=str(tmp_path))
    emb = NeuronVICRegEmbedder(**TINY, callbacks=[cp]).fit(_data())
    assert (tmp_path / "params.pt").exists()
    assert any(emb.history_[:, "event_cp"])


@pytest.mark.parametrize(
    "crop_size, expected", [(0.5, 12), (10, 10), (100, 24), (1, 24), (None, 24)]
)
def test_crop_length(crop_size, expected):
    assert NeuronVICRegEmbedder(crop_size=crop_size)._crop_len(24) == expected


def test_pairs_are_two_different_valid_segments():
    from neurovec.embedder._dataset import PairDataset

    X = np.arange(4 * 3 * 10, dtype=np.float32).reshape(4, 3, 10, 1)
    X[0, 1:] = np.nan  # neuron 0: one valid segment
    X[1, 2] = np.nan
    lengths = (~np.isnan(X[..., 0])).sum(axis=2)
    ds = PairDataset(X, lengths, 5, 10, None, None, seed=0)
    assert len(ds) == 20
    for i in range(len(ds)):
        views, _ = ds[i]
        n = i % 4
        # Segment index is recoverable from the first value (X is an arange).
        sa, sb = (int(views[k][0, 0]) // 10 % 3 for k in ("xa", "xb"))
        if n == 0:
            assert sa == sb == 0
        else:
            assert sa != sb
            assert lengths[n, sa] > 0 and lengths[n, sb] > 0
        assert views["ma"].all() and views["mb"].all()


def test_crops_stay_inside_valid_part():
    from neurovec.embedder._dataset import PairDataset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 4, 20, 2)).astype(np.float32)
    X[:, :, 12:] = np.nan  # 12 valid samples per segment
    lengths = (~np.isnan(X[..., 0])).sum(axis=2)
    for crop_len, n_valid in [(8, 8), (16, 12)]:
        ds = PairDataset(X, lengths, 4, crop_len, 0.2, 0.1, seed=1)
        for i in range(len(ds)):
            views, _ = ds[i]
            assert torch.isfinite(views["xa"]).all()
            assert int(views["ma"].sum()) == n_valid
            assert (views["xa"][:, n_valid:] == 0).all()


def test_neuron_scale_makes_embedding_gain_invariant():
    X = _data()
    emb = NeuronVICRegEmbedder(**TINY, neuron_scale=True).fit(X)
    assert_allclose(emb.transform(5.0 * X), emb.transform(X), atol=1e-4)
    plain = NeuronVICRegEmbedder(**TINY).fit(X)
    assert not np.allclose(plain.transform(5.0 * X), plain.transform(X), atol=1e-4)


def test_meanstd_pooling_shape_and_names():
    X = _data()
    emb = NeuronVICRegEmbedder(**TINY, transform_pooling="meanstd").fit(X)
    Z = emb.transform(X)
    assert Z.shape == (12, 16)
    E = emb.transform_segments(X)
    assert_allclose(Z[:, :8], E.mean(axis=1), atol=1e-6)
    assert_allclose(Z[:, 8:], E.std(axis=1), atol=1e-5)
    assert len(emb.get_feature_names_out()) == 16


def test_cosine_schedule_anneals_learning_rate():
    X = _data()
    params = {**TINY, "max_epochs": 4, "lr": 1e-2}
    emb = NeuronVICRegEmbedder(**params, lr_schedule="cosine").fit(X)
    lr = emb.net_.optimizer_.param_groups[0]["lr"]
    assert lr < 1e-2 * 0.5
    const = NeuronVICRegEmbedder(**params).fit(X)
    assert const.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-2)
