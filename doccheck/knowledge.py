"""Framework knowledge loaded from the declarative files in ``rules/``.

The code model never names a framework function: it asks this module what a
qualified name means.  A new framework, or a user's own init helper, is a new
entry in a TOML file (shipped in the wheel as ``doccheck.rules``), not new code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class RulesError(ValueError):
    """A rules file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class CallRule:
    """What one callable does, as data.

    kind: "initializer" (writes a distribution into `target`), "function"
    (computes `returns`), "factory" (creates a tensor), "method" (a tensor
    method whose receiver is `self`).
    """

    kind: str
    names: tuple[str, ...]
    signature: str
    let: tuple[str, ...] = ()
    init: tuple[tuple[str, str], ...] = ()  # family + parameter expressions
    returns: str | None = None
    target: str | None = None
    like: str | None = None
    copy_from: str | None = None
    source: str = ""

    @property
    def family(self) -> str | None:
        return dict(self.init).get("family")

    @property
    def init_params(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in self.init if k != "family")


@dataclass
class Knowledge:
    calls: dict[str, CallRule] = field(default_factory=dict)  # qualified name -> rule
    methods: dict[str, CallRule] = field(default_factory=dict)  # method name -> rule
    aliasing_methods: frozenset[str] = frozenset()
    aliasing_attributes: frozenset[str] = frozenset()
    gain: dict[str, str] = field(default_factory=dict)
    fan: dict[str, str] = field(default_factory=dict)
    fan_min_dim: int = 2
    module_roots: frozenset[str] = frozenset()
    parameter_classes: frozenset[str] = frozenset()
    lazy_parameter_classes: frozenset[str] = frozenset()
    namespace_aliases: dict[str, str] = field(default_factory=dict)
    parameters_methods: frozenset[str] = frozenset()
    named_parameters_methods: frozenset[str] = frozenset()
    register_parameter_methods: frozenset[str] = frozenset()
    apply_methods: frozenset[str] = frozenset()
    pure_functions: frozenset[str] = frozenset()
    symbol_aliases: dict[str, str] = field(default_factory=dict)
    parameter_symbols: dict[str, str] = field(default_factory=dict)
    subject_phrases: dict[str, str] = field(default_factory=dict)
    # (argument name, values that mean the same thing): DC201 does not call "add" wrong for aggr="sum"
    equivalent_values: tuple[tuple[str, frozenset[str]], ...] = ()
    files: tuple[str, ...] = ()

    def equivalent(self, parameter: str, documented: str, code: str) -> bool:
        return any(name == parameter and documented in values and code in values
                   for name, values in self.equivalent_values)

    def canonical(self, qualname: str) -> str:
        """Rewrite a re-exported prefix to the name the rules use."""
        for alias, target in self.namespace_aliases.items():
            if qualname == alias or qualname.startswith(alias + "."):
                return target + qualname[len(alias):]
        return qualname

    def call(self, qualname: str) -> CallRule | None:
        return self.calls.get(self.canonical(qualname))


def builtin_rules_dir() -> Path:
    """The rules shipped with doccheck (``doccheck.rules``, i.e. the top-level ``rules/``)."""
    try:
        from importlib.resources import files

        path = Path(str(files("doccheck.rules")))
        if (path / "torch.toml").exists():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "rules"


def _entry(kind: str, raw: dict, source: str) -> CallRule:
    where = f"{source}: [[{kind}]] {raw.get('names', '?')}"
    names = raw.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise RulesError(f"{where}: 'names' must be a non-empty list of strings")
    signature = raw.get("signature")
    if not isinstance(signature, str):
        raise RulesError(f"{where}: 'signature' must be a string (a Python parameter list)")
    unknown = set(raw) - {"names", "signature", "let", "init", "returns", "target", "like", "copy_from"}
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
    init = raw.get("init", {})
    if init and "family" not in init:
        raise RulesError(f"{where}: 'init' needs a 'family'")
    let = raw.get("let", [])
    if not isinstance(let, list) or not all(isinstance(s, str) and "=" in s for s in let):
        raise RulesError(f"{where}: 'let' must be a list of assignments such as \"x = a + b\"")
    return CallRule(
        kind=kind,
        names=tuple(names),
        signature=signature,
        let=tuple(let),
        init=tuple((str(k), str(v)) for k, v in init.items()),
        returns=raw.get("returns"),
        target=raw.get("target"),
        like=raw.get("like"),
        copy_from=raw.get("copy_from"),
        source=source,
    )


def _merge_file(knowledge: Knowledge, path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc}") from exc
    source = path.name
    framework = data.get("framework", {})
    knowledge.module_roots |= frozenset(framework.get("module_roots", ()))
    knowledge.parameter_classes |= frozenset(framework.get("parameter_classes", ()))
    knowledge.lazy_parameter_classes |= frozenset(framework.get("lazy_parameter_classes", ()))
    knowledge.namespace_aliases.update(framework.get("namespace_aliases", {}))
    knowledge.parameters_methods |= frozenset(framework.get("parameters_methods", ()))
    knowledge.named_parameters_methods |= frozenset(framework.get("named_parameters_methods", ()))
    knowledge.register_parameter_methods |= frozenset(framework.get("register_parameter_methods", ()))
    knowledge.apply_methods |= frozenset(framework.get("apply_methods", ()))
    knowledge.pure_functions |= frozenset(framework.get("pure_functions", ()))
    if "fan" in data:
        fan = dict(data["fan"])
        knowledge.fan_min_dim = int(fan.pop("min_dim", 2))
        knowledge.fan.update({k: str(v) for k, v in fan.items()})
    knowledge.gain.update({k: str(v) for k, v in data.get("gain", {}).items()})
    for kind in ("initializer", "function", "factory"):
        for raw in data.get(kind, []):
            rule = _entry(kind, raw, source)
            for name in rule.names:
                knowledge.calls[name] = rule
    for raw in data.get("method", []):
        rule = _entry("method", raw, source)
        for name in rule.names:
            knowledge.methods[name] = rule
    aliasing = data.get("aliasing_methods", {})
    knowledge.aliasing_methods |= frozenset(aliasing.get("names", ()))
    knowledge.aliasing_attributes |= frozenset(aliasing.get("attributes", ()))
    knowledge.symbol_aliases.update(data.get("symbols", {}))
    knowledge.parameter_symbols.update(data.get("parameters", {}))
    knowledge.subject_phrases.update(data.get("subjects", {}))
    for raw in data.get("equivalent_values", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("parameter"), str) \
                or not isinstance(raw.get("values"), list) or not all(isinstance(v, str) for v in raw["values"]):
            raise RulesError(f"{path}: equivalent_values entries need parameter = \"name\" and values = [strings]")
        knowledge.equivalent_values += ((raw["parameter"], frozenset(raw["values"])),)
    knowledge.files += (str(path),)


def load(extra_files: tuple[str, ...] = (), extra_symbol_aliases: tuple[tuple[str, str], ...] = ()) -> Knowledge:
    """The shipped rules plus a user's own files (later entries win)."""
    return _load(tuple(extra_files), tuple(extra_symbol_aliases))


@functools.lru_cache(maxsize=8)
def _load(extra_files: tuple[str, ...], extra_symbol_aliases: tuple[tuple[str, str], ...]) -> Knowledge:
    knowledge = Knowledge()
    for path in sorted(builtin_rules_dir().glob("*.toml")):
        _merge_file(knowledge, path)
    for extra in extra_files:
        _merge_file(knowledge, Path(extra))
    knowledge.symbol_aliases.update(dict(extra_symbol_aliases))
    return knowledge
