"""Pickle-free persistence: torch weights (``weights_only=True``) + JSON metadata."""

import importlib
import json
import warnings

import numpy as np
import torch
from skorch.history import History

__all__ = ["save_embedder", "load_embedder"]

_FORMAT = "neurovec.NeuronVICRegEmbedder"
_VERSION = 1
_FITTED = (
    "n_features_in_",
    "embedding_dim_",
    "device_",
    "n_channels_",
    "segment_length_",
)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serialisable.")


def _encode_params(params):
    params = dict(params)
    enc = params["encoder"]
    if isinstance(enc, type):
        params["encoder"] = {"import_path": f"{enc.__module__}:{enc.__qualname__}"}
    params["projector"] = list(params["projector"])
    if params.get("callbacks"):
        warnings.warn(
            "callbacks are not saved; the loaded model has callbacks=None.",
            UserWarning,
            stacklevel=3,
        )
    params["callbacks"] = None
    rs = params.get("random_state")
    if rs is not None and not isinstance(rs, (int, np.integer)):
        params["random_state"] = None
    return params


def _decode_params(params, allow_custom_encoder):
    enc = params["encoder"]
    if isinstance(enc, dict):
        path = enc["import_path"]
        if not allow_custom_encoder:
            raise ValueError(
                f"The saved model uses the custom encoder class {path!r}; pass "
                "allow_custom_encoder=True to import it (this runs that module's "
                "code)."
            )
        module, _, qualname = path.partition(":")
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        params["encoder"] = obj
    params["projector"] = tuple(params["projector"])
    return params


def save_embedder(est, path):
    """Write a fitted estimator to ``path`` (see ``NeuronVICRegEmbedder.save``)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    meta = {name: getattr(est, name) for name in _FITTED}
    if hasattr(est, "feature_names_in_"):
        meta["feature_names_in_"] = [str(c) for c in est.feature_names_in_]
    state = {k: v.detach().cpu() for k, v in est.net_.module_.state_dict().items()}
    blob = {
        "format": _FORMAT,
        "version": _VERSION,
        "params": json.dumps(
            _encode_params(est.get_params(deep=False)), default=_json_default
        ),
        "fitted": json.dumps(meta, default=_json_default),
        "history": json.dumps(list(est.history_), default=_json_default),
        "state_dict": state,
    }
    torch.save(blob, path)


def load_embedder(cls, path, *, allow_custom_encoder=False, device=None):
    """Read an estimator written by :func:`save_embedder`."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != _FORMAT:
        raise ValueError(
            f"Expected a file written by NeuronVICRegEmbedder.save; {path!s} has no "
            f"{_FORMAT!r} header."
        )
    params = _decode_params(json.loads(blob["params"]), allow_custom_encoder)
    meta = json.loads(blob["fitted"])
    est = cls(**params)
    target = device or meta["device_"]
    if torch.device(target).type == "cuda" and not torch.cuda.is_available():
        target = "cpu"
    meta["device_"] = target
    for name, value in meta.items():
        if name == "feature_names_in_":
            value = np.asarray(value, dtype=object)
        setattr(est, name, value)
    with torch.random.fork_rng(devices=[]):
        net = est._build_net(target, n_pairs=0)
        net.initialize()
    net.module_.load_state_dict(blob["state_dict"])
    net.history = History(json.loads(blob["history"]))
    est.net_ = net
    est.history_ = net.history
    return est
