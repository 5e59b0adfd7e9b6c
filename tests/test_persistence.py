"""Pickle, joblib and pickle-free save/load of NeuronVICRegEmbedder."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from torch import nn

from neurovec.embedder import NeuronVICRegEmbedder

TINY = dict(
    embedding_dim=8,
    encoder_kwargs={"hidden_channels": 8, "n_blocks": 2},
    projector=(16,),
    max_epochs=2,
    batch_size=16,
    random_state=0,
)


class LinearMeanEncoder(nn.Module):
    """A user encoder: masked time average followed by a linear map."""

    def __init__(self, in_channels, embedding_dim, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, embedding_dim, bias=bias)

    def forward(self, x, mask=None):
        m = mask[:, None, :].to(x.dtype)
        return self.lin((x * m).sum(2) / m.sum(2))


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(12, 3, 24, 2)).astype(np.float32)


@pytest.fixture(scope="module")
def fitted(data):
    return NeuronVICRegEmbedder(**TINY).fit(data)


def test_pickle_round_trip(fitted, data):
    loaded = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(loaded.transform(data), fitted.transform(data))


def test_joblib_round_trip(fitted, data, tmp_path):
    joblib.dump(fitted, tmp_path / "emb.joblib")
    loaded = joblib.load(tmp_path / "emb.joblib")
    assert_array_equal(loaded.transform(data), fitted.transform(data))


def test_save_load_round_trip(fitted, data, tmp_path):
    path = tmp_path / "emb.pt"
    fitted.save(path)
    loaded = NeuronVICRegEmbedder.load(path)
    assert_array_equal(loaded.transform(data), fitted.transform(data))
    assert loaded.get_params() == fitted.get_params()
    for name in (
        "n_features_in_",
        "embedding_dim_",
        "device_",
        "n_channels_",
        "segment_length_",
    ):
        assert getattr(loaded, name) == getattr(fitted, name)
    assert loaded.history_[:, "train_loss"] == fitted.history_[:, "train_loss"]
    # The file is plain tensors and strings: weights_only loading accepts it.
    blob = torch.load(path, weights_only=True)
    assert set(blob) >= {"params", "fitted", "history", "state_dict"}


def test_load_rejects_foreign_file(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"a": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="NeuronVICRegEmbedder.save"):
        NeuronVICRegEmbedder.load(path)


def test_custom_encoder_needs_explicit_flag(data, tmp_path):
    emb = NeuronVICRegEmbedder(
        **{**TINY, "encoder_kwargs": {"bias": False}}, encoder=LinearMeanEncoder
    ).fit(data)
    path = tmp_path / "custom.pt"
    emb.save(path)
    with pytest.raises(ValueError, match="allow_custom_encoder=True"):
        NeuronVICRegEmbedder.load(path)
    loaded = NeuronVICRegEmbedder.load(path, allow_custom_encoder=True)
    assert loaded.encoder is LinearMeanEncoder
    assert_array_equal(loaded.transform(data), emb.transform(data))


def test_cuda_model_loads_on_cpu_only_machine(fitted, data, tmp_path, monkeypatch):
    expected = fitted.transform(data)
    # Pretend the model was fitted on CUDA (tensors are on CPU here, so saving
    # works without a GPU), then load where CUDA is unavailable.
    emb = pickle.loads(pickle.dumps(fitted))
    emb.device_ = "cuda"
    emb.net_.device = "cuda"
    buf = io.BytesIO()
    pickle.dump(emb, buf)
    path = tmp_path / "cuda.pt"
    emb.save(path)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    buf.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning
        loaded = pickle.load(buf)
    assert loaded.device_ == "cpu"
    assert torch.device(loaded.net_.device).type == "cpu"
    assert_array_equal(loaded.transform(data), expected)
    loaded = NeuronVICRegEmbedder.load(path)
    assert loaded.device_ == "cpu"
    assert torch.device(loaded.net_.device).type == "cpu"
    assert_array_equal(loaded.transform(data), expected)


def test_device_auto_resolves_to_cpu_without_cuda(data, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    emb = NeuronVICRegEmbedder(**TINY).fit(data)
    assert emb.device_ == "cpu"
