"""The repository's layout promises (issue 11): every area has the same shape in C++, the bindings and Python;
the umbrella header and the public lists are complete; no Python import cycle; no _core name built from a string."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PY = ROOT / "python" / "cxkit"
AREAS = sorted(p.name for p in (ROOT / "include" / "cxkit").iterdir() if p.is_dir())


def test_umbrella_header_includes_every_public_header():
    include = ROOT / "include"
    headers = {p.relative_to(include).as_posix() for p in include.glob("cxkit/*/*.hpp")}
    assert len(headers) > 40
    umbrella = (include / "cxkit" / "cxkit.hpp").read_text()
    included = set(re.findall(r'#include "(cxkit/[^"]+)"', umbrella))
    assert headers - included == set(), "add these to include/cxkit/cxkit.hpp"
    assert included - headers == set(), "the umbrella includes headers that do not exist"


def test_the_areas_are_the_ones_the_design_names():
    assert AREAS == ["clv", "core", "journey", "metrics", "privacy", "retention", "segment", "voc"] or \
        AREAS == ["clv", "core", "journey", "metrics", "retention", "segment", "voc"]


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_its_binding_submodule_and_python_package(area):
    from cxkit import _core

    assert (ROOT / "src" / f"bind_{area}.cpp").is_file(), f"src/bind_{area}.cpp"
    assert (PY / area / "__init__.py").is_file(), f"python/cxkit/{area}/"
    sub = getattr(_core, area)
    assert type(sub).__name__ == "module" and sub.__name__ == f"cxkit._core.{area}"


def _namespace_blocks(text: str) -> list[tuple[str, str]]:
    """(name, body) of each top-level `namespace X {` block that a `}  // namespace X` line closes."""
    return re.findall(r"^namespace ([\w:]+) \{\n(.*?)^\}  // namespace \1$", text, flags=re.M | re.S)


@pytest.mark.parametrize("area", AREAS)
def test_every_area_uses_its_own_namespace(area):
    for h in sorted((ROOT / "include" / "cxkit" / area).glob("*.hpp")):
        rel = f"{area}/{h.name}"
        blocks = _namespace_blocks(h.read_text())
        assert blocks, f"{rel}: no namespace block"
        for name, body in blocks:
            if name == f"cxkit::{area}" or name.startswith(f"cxkit::{area}::"):
                continue
            # A transitional alias block (`namespace cxkit { using core::Name; }`, or the same in cxkit::detail)
            # declares nothing of its own.
            code = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("//")]
            assert name in ("cxkit", "cxkit::detail") and all(ln.startswith("using ") for ln in code), (
                f"{rel}: namespace {name}"
            )


def test_bindings_hold_one_area_each_and_module_cpp_registers_them():
    module = (ROOT / "src" / "module.cpp").read_text()
    binds = sorted(p.stem for p in (ROOT / "src").glob("bind_*.cpp"))
    assert binds == [f"bind_{a}" for a in AREAS]
    for a in AREAS:
        assert re.search(rf'area\(m, "{a}", bind_{a}\)', module), f"module.cpp registers {a}"
    assert "copy_names" not in module, "the transitional copy of area names to the top of _core is gone"


def test_no_core_name_is_built_from_a_string():
    bad = []
    for f in PY.rglob("*.py"):
        for m in re.finditer(r"getattr\(\s*(_c|_core|_seg|_clv)\b[^,]*,\s*[^)]*\+", f.read_text()):
            bad.append(f"{f.relative_to(ROOT)}: {m.group(0)}")
    assert bad == []


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PY.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _top_level_imports(path: pathlib.Path, modules: set[str]) -> set[str]:
    """The cxkit modules a file imports: at module level, and inside functions when the imported module is in
    another area (a lazy import across areas still makes the two areas depend on each other; inside one area a
    method may hand over to its plotting module). Imports under TYPE_CHECKING do not count."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    tree = ast.parse(path.read_text())

    def area_of(mod: str) -> str:
        return ".".join(mod.split(".")[:2])

    def visit(stmts, nested=False):
        for node in stmts:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                pass
            else:
                inner = nested or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [], inner)
                for h in getattr(node, "handlers", []) or []:
                    visit(h.body, inner)
                continue
            found: set[str] = set()
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "cxkit":
                        found.add(a.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if mod.split(".")[0] != "cxkit":
                    found = set()
                for a in node.names:
                    sub = f"{mod}.{a.name}"
                    found.add(sub if sub in modules else mod)
            out.update(m for m in found if not nested or area_of(m) != area_of(name))

    visit(tree.body)
    return {m for m in out if m in modules and m != name}


def test_no_python_import_cycle():
    files = {(_module_name(p)): p for p in PY.rglob("*.py")}
    modules = set(files)
    graph = {m: _top_level_imports(p, modules) for m, p in files.items()}
    # A package's __init__ importing its own submodules and a submodule importing names from an ancestor package
    # that the ancestor defines itself are the usual package pattern; a cycle is a real loop between two modules.
    for m in graph:
        graph[m] = {d for d in graph[m] if not (m.startswith(d + ".") and files[d].name == "__init__.py")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                dfs(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m)
    assert cycles == [], " ; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", ["cxkit"] + [f"cxkit.{a}" for a in AREAS])
def test_all_lists_are_complete_and_resolve(package):
    import importlib

    mod = importlib.import_module(package)
    names = getattr(mod, "__all__")
    assert len(names) == len(set(names)), "duplicates in __all__"
    for n in names:
        assert hasattr(mod, n), f"{package}.{n} is in __all__ but missing"
    # deprecated aliases kept for one release stay reachable but out of __all__
    public = {n for n, v in vars(mod).items() if not n.startswith("_") and getattr(v, "__module__", "").startswith("cxkit")
              and not isinstance(v, type(importlib)) and not (v.__doc__ or "").lstrip().startswith("Deprecated")}
    assert public - set(names) == set(), f"public names of {package} missing from __all__"
    assert sorted(dir(mod)) == sorted(names)


# Python-only packages: no C++ area behind them. `reporting` is a presentation layer above the areas (it calls
# their entry points and computes no KPI itself); nothing in an area may import it.
PYTHON_ONLY = {"datasets": "data sets and the simulator", "reporting": "the HTML CX report (cxkit.report)",
               "dask": "Dask partitions into mergeable states"}


def test_every_python_package_is_an_area_or_a_python_only_layer():
    packages = sorted(p.parent.name for p in PY.glob("*/__init__.py"))
    assert set(packages) - set(AREAS) - set(PYTHON_ONLY) == set(), "a new package: an area (include/cxkit/<area>) or PYTHON_ONLY"
    for area in AREAS:
        for f in (PY / area).rglob("*.py"):
            assert not re.search(r"^\s*(from|import)\s+[\w.]*reporting\b", f.read_text(), flags=re.M), \
                f"{f.relative_to(ROOT)} imports the report layer"
