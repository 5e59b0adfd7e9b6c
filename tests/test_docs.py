"""The documentation matches the code.

- every public name (``__all__`` of :mod:`neurovec` and of each subpackage) is
  listed in ``docs/api.md``, with the signature of the code;
- every public function, class and public method has a numpydoc docstring with a
  ``Parameters`` section (when it takes parameters) and, for functions and
  classes, an ``Examples`` section;
- the documented parameters are the parameters of the signature, in order
  (``self``, ``*args`` and ``**kwargs`` excluded), as in imbalanced-learn; a
  dataclass documents its fields under ``Attributes``;
- the gallery scripts ``docs/examples/plot_*.py`` run (in quick mode).
"""

import dataclasses
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MODULES = (
    "neurovec",
    "neurovec.embedder",
    "neurovec.simulation",
    "neurovec.datasets",
    "neurovec.evaluation",
    "neurovec.plotting",
    "neurovec.cli",
)
# Methods documented by scikit-learn/dataclasses rather than by neurovec.
_INHERITED_OK = {"fit_transform", "set_output", "get_params", "set_params"}


def _public_names():
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            yield modname, name, getattr(module, name)


def _documented_objects():
    """``(id, object, is_method)`` for every public callable, deduplicated."""
    seen = set()
    for modname, name, obj in _public_names():
        if inspect.ismodule(obj) or not callable(obj) or id(obj) in seen:
            continue
        seen.add(id(obj))
        yield f"{modname}.{name}", obj, False
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            if attr.startswith("_") or attr in _INHERITED_OK:
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if inspect.isfunction(value):
                yield f"{modname}.{name}.{attr}", value, True


# Known gaps in modules owned elsewhere: {(test, object): reason}. strict=True, so
# an entry must be removed once its docstring is fixed.
KNOWN_GAPS = {}  # (test, name) -> reason; xfail(strict) until fixed


def _cases(test):
    out = []
    for name, obj, is_method in sorted(_documented_objects(), key=lambda t: t[0]):
        reason = KNOWN_GAPS.get((test, name))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(name, obj, is_method, id=name, marks=marks))
    return out


def _sections(doc):
    """``{section title: body}`` of a numpydoc docstring."""
    doc = inspect.cleandoc(doc)
    heads = list(re.finditer(r"^(\w[\w ]*)\n-{3,}\n", doc, re.M))
    out = {}
    for k, m in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(doc)
        out[m.group(1)] = doc[m.end() : end]
    return out


def _parameter_section(obj):
    # A dataclass documents its constructor arguments (its fields) as Attributes.
    return "Attributes" if dataclasses.is_dataclass(obj) else "Parameters"


def _documented_params(doc, section="Parameters"):
    """Parameter names of a numpydoc section, in order (``a, b : type`` lines).

    ``*args`` / ``**kwargs`` entries are returned with their stars.
    """
    body = _sections(doc).get(section, "")
    names = []
    for line in body.splitlines():
        # Parameter lines start at column 0; descriptions are indented.
        m = re.match(r"^(\*{0,2}\w+(?:, *\*{0,2}\w+)*)(?: :|$)", line)
        if m:
            names += [n.strip() for n in m.group(1).split(",")]
    return names


def _signature_params(obj, is_method):
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return []
    names = []
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            names.append(f"*{p.name}")
        elif p.kind == p.VAR_KEYWORD:
            names.append(f"**{p.name}")
        else:
            names.append(p.name)
    # Bound-less methods and classmethods list self/cls first.
    if names and names[0] in ("self", "cls") and (is_method or inspect.isclass(obj)):
        names = names[1:]
    return names


def _named(params):
    return [p for p in params if not p.startswith("*")]


def test_parameter_parser():
    def f(a, b, c, *args, **kwargs):
        """Do.

        Parameters
        ----------
        a, b : int
            Two numbers, described
            over two lines.
        c
            As above.

        Returns
        -------
        out : int
        """

    assert _documented_params(f.__doc__) == ["a", "b", "c"]
    assert _signature_params(f, False) == ["a", "b", "c", "*args", "**kwargs"]
    assert set(_sections(f.__doc__)) == {"Parameters", "Returns"}


def test_every_public_name_is_in_api_md():
    api = (DOCS / "api.md").read_text()
    missing = [
        f"{mod}.{name}"
        for mod, name, _ in _public_names()
        if not re.search(rf"`(?:[\w.]+\.)?{re.escape(name)}\b", api)
    ]
    assert not missing, f"not in docs/api.md: {missing}"


def _signature_text(obj):
    text = str(inspect.signature(obj)).replace("<class 'numpy.float64'>", "np.float64")
    return text.replace(" -> None", "") if dataclasses.is_dataclass(obj) else text


def test_api_md_signatures_match_code():
    api = (DOCS / "api.md").read_text()
    lines = re.findall(r"^(?:class )?(neurovec[\w.]*)\.(\w+)(\(.*\))$", api, re.M)
    assert len(lines) > 30
    wrong = []
    for modname, name, documented in lines:
        expected = _signature_text(getattr(importlib.import_module(modname), name))
        if documented != expected:
            wrong.append(f"{modname}.{name}{expected}")
    assert not wrong, "update these signature lines in docs/api.md:\n" + "\n".join(
        wrong
    )


@pytest.mark.parametrize("name, obj, is_method", _cases("sections"))
def test_docstring_sections(name, obj, is_method):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    sections = _sections(doc)
    if _named(_signature_params(obj, is_method)):
        section = _parameter_section(obj)
        assert section in sections, f"{name}: no {section} section"
    if not is_method:
        assert "Examples" in sections, f"{name}: no Examples section"
        assert ">>>" in sections["Examples"], f"{name}: Examples has no doctest"


@pytest.mark.parametrize("name, obj, is_method", _cases("params"))
def test_docstring_parameters_match_signature(name, obj, is_method):
    doc = inspect.getdoc(obj) or ""
    documented = _documented_params(doc, _parameter_section(obj))
    signature = _signature_params(obj, is_method)
    # *args/**kwargs may be documented but need not be.
    expected = _named(signature)
    documented = [n for n in documented if not (n.startswith("*") and n in signature)]
    assert documented == expected, (
        f"{name}: documented {documented} != signature {expected}"
    )


PAGES = ["index.md", "user_guide.md", "cli.md", "api.md"]
# Written by benchmark runs; linked before they exist.
_PRODUCED = {"bench_izhikevich.md", "bench_izhikevich.json", "bench_celegans.md"}
_PRODUCED |= {"bench_celegans.json"}


@pytest.mark.parametrize("page", PAGES)
def test_code_blocks_compile_and_import_real_names(page):
    text = (DOCS / page).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    for block in blocks:
        if page == "api.md":  # signature lines, checked above
            continue
        compile(block, f"{page} code block", "exec")
        imports = re.findall(r"^from (neurovec[\w.]*) import \(([^)]*)\)", block, re.M)
        imports += re.findall(r"^from (neurovec[\w.]*) import ([\w, ]+)$", block, re.M)
        assert imports or "neurovec" not in block or page == "cli.md"
        for mod, names in imports:
            module = importlib.import_module(mod)
            for name in re.findall(r"\w+", names):
                assert hasattr(module, name), f"{page}: {mod} has no {name}"


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    text = (DOCS / page).read_text()
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        path = (DOCS / target).resolve()
        assert path.exists() or path.name in _PRODUCED, f"{page}: broken {target}"


EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_in_quick_mode(script, tmp_path):
    env = dict(
        os.environ,
        NEUROVEC_EXAMPLE_QUICK="1",
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        CUDA_VISIBLE_DEVICES="",
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Each example prints at least one result line.
    assert proc.stdout.strip(), f"{script.name} printed nothing"
