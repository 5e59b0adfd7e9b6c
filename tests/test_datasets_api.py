"""Public API of neurovec.datasets: exports and docstrings matching signatures."""

import inspect
import re

import pytest

import neurovec.datasets as datasets

LOADERS = ["load_celegans_nsm", "load_bugeon2022", "load_steinmetz2019", "load_nwb"]


def _documented_parameters(doc):
    section = doc.split("Parameters\n    ----------\n", 1)[1]
    section = re.split(r"\n    \w[\w ]*\n    -{3,}\n", section, maxsplit=1)[0]
    return re.findall(r"^    (\w+) :", section, flags=re.MULTILINE)


@pytest.mark.parametrize("name", LOADERS)
def test_loader_docstring_matches_signature(name):
    func = getattr(datasets, name)
    assert name in datasets.__all__
    params = list(inspect.signature(func).parameters)
    assert _documented_parameters(func.__doc__) == params
    for section in ("Returns", "Examples", "DESCR"):
        assert section in func.__doc__
