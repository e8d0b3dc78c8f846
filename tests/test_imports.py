"""The house's rules, read off the source: imports point one way (no circle, counting those
inside functions), no module reaches into another's private names, no room is over 600 lines,
and every module has its test file."""

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "neuronet"
TESTS = Path(__file__).resolve().parent

# What is still to be mended, listed so that nothing new joins it: each test below fails on a
# finding not listed here, and on a listed one that is gone (then remove it from the list).
KNOWN_CIRCLES: list = []
KNOWN_READS: set = set()
# Names of the standard library that begin with an underscore and are meant to be called: the
# command ends its process with os._exit once atexit's handlers have run (neuronet.cli.run).
STANDARD_LIBRARY = {"os._exit", "atexit._run_exitfuncs"}
KNOWN_LONG: set = set()
KNOWN_UNTESTED: set = set()


def modules() -> dict:
    """{dotted module name: path} of every module of the package."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = modules()


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports_of(name: str, path: Path):
    """(module imported, line, names taken from it) for every import in the module, at module
    level or inside functions, resolved to neuronet's own modules (others are left out). A
    name taken from a package that is itself a module counts as an import of that module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(name, path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node.lineno, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target not in MODULES:
                continue
            plain = []
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, node.lineno, []
                else:
                    plain.append(alias.name)
            if plain:
                yield target, node.lineno, plain


def graph() -> dict:
    edges = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, _, _ in imports_of(name, path):
            if target != name:
                edges[name].add(target)
    # Importing a module runs its packages' __init__ first: a package's __init__ is where a
    # name imported from the package comes from, and nothing else, so the only edges the
    # walk counts are the imports written; the top package, which imports the public names
    # of everything, is left out of the circles (every module would otherwise be in one).
    return {name: {t for t in targets if t != "neuronet"} for name, targets in edges.items()
            if name != "neuronet"}


def circles(edges) -> list:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    assert circles(graph()) == KNOWN_CIRCLES


def test_the_walk_finds_a_circle_where_there_is_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_a_private_name_of_another():
    reaches = []
    for name, path in MODULES.items():
        for target, line, names in imports_of(name, path):
            reaches += [f"{path.name}:{line} takes {n} from {target}" for n in names
                        if n.startswith("_") and not n.startswith("__")]
    assert reaches == []


def private_reads(name, path) -> set:
    """"module: owner._name" for every private name read off an imported module, or off an
    object that is not ``self``/``cls`` when no code of this module defines that name (it
    belongs to another module's class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(name, path)
    modules_named = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            modules_named |= {a.asname or a.name for a in node.names
                              if f"{package}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            modules_named |= {a.asname or a.name for a in node.names if a.name in MODULES}
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        attr, owner = node.attr, node.value.id
        if not attr.startswith("_") or attr.startswith("__") or owner in ("self", "cls"):
            continue
        if (owner in modules_named or attr not in defined) and \
                f"{owner}.{attr}" not in STANDARD_LIBRARY:
            found.add(f"{name}: {owner}.{attr}")
    return found


def test_no_module_reads_a_private_name_of_another():
    found = set()
    for name, path in MODULES.items():
        found |= private_reads(name, path)
    assert found == KNOWN_READS


def test_no_room_is_over_600_lines():
    long = {name for name, path in MODULES.items()
            if path.read_text(encoding="utf-8").count("\n") > 600}
    assert long == KNOWN_LONG


def test_every_module_has_its_test_file():
    """neuronet/x.py is tested in tests/test_x.py; neuronet/pkg/x.py in tests/test_pkg_x.py
    or tests/test_x.py; a package's __init__ in tests/test_pkg.py."""
    missing = set()
    for name in MODULES:
        parts = name.split(".")[1:]
        if not parts or parts[-1] in ("__main__",):
            continue
        names = {f"test_{'_'.join(parts)}.py", f"test_{parts[-1].lstrip('_')}.py"}
        if not any((TESTS / candidate).exists() for candidate in names):
            missing.add(name)
    assert missing == KNOWN_UNTESTED


def test_the_map_of_the_house_names_modules_that_exist_and_misses_none():
    """docs/architecture.md: every file it names (``x.py``, ``pkg/x.py``, ``pkg/``, in the
    package or from the repository's root) exists, and every top-level module and package of
    neuronet, and every module of its packages, is on the map."""
    import re

    text = (TESTS.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_0-9]+(?:/[a-z_0-9]+)*(?:\.py|/))`", text))
    assert named, "the map names no module"
    missing = sorted(n for n in named if not (SOURCE / n.rstrip("/")).exists()
                     and not (SOURCE.parents[1] / n).exists())
    assert missing == [], f"the map names what does not exist: {missing}"
    top = {p.name + ("/" if p.is_dir() else "") for p in SOURCE.iterdir()
           if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
           or (p.is_dir() and (p / "__init__.py").exists())}
    assert sorted(top - named) == [], "modules missing from docs/architecture.md"
    rooms = {path.relative_to(SOURCE).as_posix() for path in SOURCE.glob("*/*.py")
             if path.name not in ("__init__.py", "__main__.py")}
    assert sorted(rooms - named) == [], "package modules missing from the map's rooms"


def test_no_test_skips_when_a_module_of_neuronet_is_missing():
    """A test may skip for an optional dependency that is not installed, never for neuronet's
    own modules: those are always there, and a skip would hide a broken import."""
    import re

    found = [f"{path.name}: {match}" for path in sorted(TESTS.glob("test_*.py"))
             for match in re.findall(r"importorskip\(\s*[\"']neuronet[\w.]*[\"']",
                                     path.read_text(encoding="utf-8"))]
    assert found == []
