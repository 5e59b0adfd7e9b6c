"""The ``neurovec`` command line: help, version, demo, round trip, error paths."""

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

from neurovec import __version__
from neurovec._cli_commands import _methods
from neurovec.cli import main


def _error_line(capsys):
    """The captured stderr, asserted to be one ``neurovec: error:`` line."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("neurovec: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("command", ["demo", "simulate", "fit", "embed"])
def test_help_of_each_command_explains_it_with_an_example(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"neurovec {command}" in out
    assert "example" in out


def test_top_level_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "simulate", "fit", "embed"):
        assert command in out


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: neurovec" in capsys.readouterr().out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"neurovec {__version__}"


def test_import_is_light():
    code = "import sys, neurovec.cli; print('torch' in sys.modules)"
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert res.stdout.strip() == "False"


def test_usage_error_exit_code(capsys):
    assert main(["simulate", "x.npz", "--n-animals", "zero"]) == 2
    assert "expected an integer" in capsys.readouterr().err


def test_demo_quick_writes_figures_json_and_prints_table(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    assert main(["demo", "--quick", "--output", str(out_dir), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "| method | protocol | probe | balanced accuracy" in out
    assert "| NeuronVICReg | inductive | logistic |" in out
    assert "| SummaryFeatures |" in out and "| SegmentPCA |" in out
    assert "[1/4] simulating" in out
    assert "Headline: NeuronVICReg reaches" in out
    for name in ("embedding_map", "confusion_matrix", "loss_curves", "f1_bars"):
        png = out_dir / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out_dir / "results.json").read_text())
    expected = {"headline", "table", "evaluations", "dataset", "protocol", "figures"}
    assert expected <= set(result)
    assert result["headline"]["embedder"]["method"] == "NeuronVICReg"
    assert 0.0 <= result["headline"]["embedder"]["balanced_accuracy"] <= 1.0
    assert result["headline"]["best_baseline"]["method"] != "NeuronVICReg"
    assert {r["method"] for r in result["table"]} >= {"NeuronVICReg", "SegmentPCA"}
    # Every fold tests on animals its embedder never saw.
    assert len(result["protocol"]["test_animals"]) == 3
    assert result["embedder_input"].startswith("own trace + population context")
    assert result["embedder_params"]["encoder"] == "context"


def test_demo_reports_missing_aeon_in_one_line(monkeypatch):
    import neurovec._cli_commands as commands

    monkeypatch.setattr(commands, "_has_aeon", lambda: False)
    args = argparse.Namespace(no_minirocket=False, catch22=False)
    methods, skipped = _methods(commands._DEMO["quick"], 0, args)
    assert "MiniRocket" not in methods
    assert methods["NeuronVICReg"].encoder == "context"
    assert len(skipped) == 1 and "aeon is not installed" in skipped[0]


def test_demo_without_context_on_calcium(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    argv = ["demo", "--quick", "--no-context", "--no-minirocket"]
    argv += ["--observation", "calcium", "--output", str(out_dir)]
    assert main(argv) == 0
    result = json.loads((out_dir / "results.json").read_text())
    assert result["embedder_input"] == "own trace"
    assert result["embedder_params"]["encoder"] == "cnn"
    assert result["embedder_params"]["neuron_scale"] is True
    assert "MiniRocket skipped" in capsys.readouterr().out


def test_demo_output_that_is_a_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "taken"
    path.write_text("x")
    assert main(["demo", "--quick", "--output", str(path)]) == 2
    assert "is a file" in _error_line(capsys)


def test_simulate_fit_embed_round_trip(tmp_path, capsys):
    data = tmp_path / "data.npz"
    args = ["simulate", str(data), "--n-animals", "2", "--neurons-per-type", "2"]
    args += ["--types", "RS,FS", "--n-segments", "3", "--segment-duration", "200"]
    assert main(args) == 0
    with np.load(data) as d:
        assert d["X"].shape == (8, 3, 10)
        assert d["target_names"].tolist() == ["RS", "FS"]
        assert sorted(set(d["groups"].tolist())) == [0, 1]
        assert {"y", "conditions", "condition_names", "DESCR"} <= set(d.files)

    model = tmp_path / "model.pt"
    fit = ["fit", str(data), "--model", str(model), "--epochs", "1"]
    assert main([*fit, "--embedding-dim", "4", "--quiet"]) == 0
    assert model.exists()

    emb_csv = tmp_path / "emb.csv"
    assert main(["embed", str(model), str(data), "--output", str(emb_csv)]) == 0
    Z = np.loadtxt(emb_csv, delimiter=",", skiprows=1)
    assert Z.shape == (8, 4)
    assert np.all(np.isfinite(Z))
    assert main(["embed", str(model), str(data)]) == 0
    Z_npy = np.load(tmp_path / "data.embedding.npy")
    np.testing.assert_allclose(Z_npy, Z, rtol=1e-5, atol=1e-6)
    assert "embedding of shape (8, 4)" in capsys.readouterr().out


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A model fitted on (6, 3, 12) traces, and its data file."""
    root = tmp_path_factory.mktemp("model")
    X = np.random.default_rng(0).normal(size=(6, 3, 12)).astype(np.float32)
    np.save(root / "x.npy", X)
    model = root / "m.pt"
    fit = ["fit", str(root / "x.npy"), "-m", str(model), "--epochs", "1", "-q"]
    assert main([*fit, "--embedding-dim", "3"]) == 0
    return model


def test_fit_missing_file_is_one_line_error(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "nope.npz")]) == 2
    assert "no such file" in _error_line(capsys)


def test_embed_missing_model_is_one_line_error(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((2, 2, 5)))
    assert main(["embed", str(tmp_path / "m.pt"), str(tmp_path / "x.npy")]) == 2
    assert "m.pt" in _error_line(capsys)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
        (np.array([1.0, 2.0, 3.0]), "shape (3,)"),
        (np.array([[[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]]] * 2), "NaN inside"),
        (np.array([{"a": 1}], dtype=object), "Python objects"),
    ],
)
def test_fit_bad_array_is_one_line_error(tmp_path, capsys, array, message):
    path = tmp_path / "bad.npy"
    np.save(path, array, allow_pickle=True)
    assert main(["fit", str(path), "--epochs", "1", "-q"]) == 2
    assert message in _error_line(capsys)


def test_fit_2d_without_segment_length_is_explained(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((4, 100)))
    assert main(["fit", str(tmp_path / "x.npy")]) == 2
    assert "--segment-length" in _error_line(capsys)


def test_fit_missing_npz_key_lists_keys(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", traces=np.zeros((4, 2, 8)))
    assert main(["fit", str(tmp_path / "d.npz")]) == 2
    assert "['traces']" in _error_line(capsys)


def test_embed_wrong_shape_is_one_line_error(tiny_model, tmp_path, capsys):
    np.save(tmp_path / "long.npy", np.zeros((4, 3, 20), dtype=np.float32))
    assert main(["embed", str(tiny_model), str(tmp_path / "long.npy")]) == 2
    line = _error_line(capsys)
    assert "12" in line and "20" in line


def test_embed_bad_model_file_is_one_line_error(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((2, 2, 5)))
    (tmp_path / "m.pt").write_bytes(b"not a model")
    assert main(["embed", str(tmp_path / "m.pt"), str(tmp_path / "x.npy")]) == 2
    assert "neurovec model" in _error_line(capsys)


def test_embed_bad_output_suffix(tiny_model, tmp_path, capsys):
    out = str(tmp_path / "z.txt")
    assert main(["embed", str(tiny_model), str(tiny_model), "-o", out]) == 2
    assert ".npy or .csv" in _error_line(capsys)
