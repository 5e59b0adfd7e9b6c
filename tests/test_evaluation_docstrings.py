"""Docstrings of the evaluation and plotting API document every parameter."""

import inspect
import re

import pytest

import neurovec.evaluation as evaluation
import neurovec.plotting as plotting


def _documented(doc):
    """Names in the numpydoc "Parameters" section (``a, b : type`` lines)."""
    doc = inspect.cleandoc(doc)
    section = re.search(
        r"^Parameters\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.S | re.M
    )
    if section is None:
        return set()
    names = set()
    for line in section.group(1).splitlines():
        # Parameter lines start at column 0; descriptions are indented.
        m = re.match(r"^(\*{0,2}\w+(?:, \*{0,2}\w+)*)(?: :|$)", line)
        if m:
            names.update(n.strip().lstrip("*") for n in m.group(1).split(","))
    return names


def test_documented_parser_finds_missing_parameters():
    def f(a, b, c):
        """Do.

        Parameters
        ----------
        a, b : int
            Two numbers, described
            over two lines.

        Returns
        -------
        out : int
        """

    assert _documented(f.__doc__) == {"a", "b"}


def _public():
    for module in (evaluation, plotting):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                if hasattr(obj, "_parameter_constraints"):
                    yield f"{name}.__init__", obj.__init__, obj.__doc__
                for meth in ("fit", "transform", "predict", "predict_proba"):
                    if meth in vars(obj) or (
                        hasattr(obj, meth) and obj.__module__.startswith("neurovec")
                    ):
                        fn = getattr(obj, meth)
                        if fn.__doc__ and fn.__qualname__.split(".")[0] != "object":
                            yield f"{name}.{meth}", fn, fn.__doc__
            else:
                yield name, obj, obj.__doc__


_PUBLIC = list(_public())


@pytest.mark.parametrize("name, fn, doc", _PUBLIC, ids=[name for name, _, _ in _PUBLIC])
def test_docstring_parameters_match_signature(name, fn, doc):
    assert doc, f"{name} has no docstring"
    params = [
        p for p in inspect.signature(fn).parameters if p not in ("self", "cls", "args")
    ]
    documented = _documented(doc)
    missing = [p for p in params if p not in documented]
    assert not missing, f"{name}: parameters {missing} are not documented"
