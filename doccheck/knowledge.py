"""Framework knowledge loaded from the declarative files in ``rules/``.

The code model never names a framework function: it asks this module what a
qualified name means.  A new framework, or a user's own init helper, is a new
entry in a TOML file (shipped in the wheel as ``doccheck.rules``), not new code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


MAX_RULES_BYTES = 16 * 1024 * 1024


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
    shape: str | None = None  # factory: the created array's shape, an expression of the arguments (else `*size`)
    registry: tuple[str, ...] = ()  # builder: the names its framework's registry function knows it by
    source: str = ""
    framework: str = ""  # the [framework].name of the file it comes from ("" for a file without one)

    @property
    def family(self) -> str | None:
        return dict(self.init).get("family")

    @property
    def init_params(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in self.init if k != "family")


@dataclass
class Framework:
    """What one framework's rules file says about tensors' layout and gains (``[framework]``, ``[fan]``, ``[gain]``).

    Kept per framework, not merged: torch's fan_in reads ``shape[1]``, a framework with kernels laid out
    ``(h, w, in, out)`` reads ``shape[-2]``; a second framework's file must not overwrite the first's.
    """

    name: str
    module_roots: frozenset[str] = frozenset()
    fan: dict[str, str] = field(default_factory=dict)  # fan_in / fan_out as expressions of `shape`
    fan_min_dim: int = 2
    gain: dict[str, str] = field(default_factory=dict)  # nonlinearity -> expression of `param`
    # MLX: every public array attribute of a Module is a parameter (no Parameter wrapper exists)
    array_attributes_are_parameters: bool = False
    default: bool = False  # the framework meant where none is named
    # initialization schemes docs name ("Xavier uniform", "He normal"): normalised name -> (initializer, kwargs)
    schemes: dict[str, tuple[str, tuple[tuple[str, object], ...]]] = field(default_factory=dict)
    # Keras: initializers.get(name) -> the builder registered under that name (`registry` of a [[builder]])
    registry: dict[str, CallRule] = field(default_factory=dict)
    registry_functions: frozenset[str] = frozenset()
    weight_methods: dict[str, CallRule] = field(default_factory=dict)  # self.add_weight(...) ([[weight]])
    build_method: str | None = None  # run after __init__ with `build_argument` a shape of symbols
    build_argument: str = "input_shape"
    build_symbols: dict[str, str] = field(default_factory=dict)  # "input_shape[-1]" -> "input_dim"
    attribute_defaults: dict[str, str] = field(default_factory=dict)  # set by the framework's Module __init__
    initializer_argument_suffix: str | None = None  # "bias_initializer" documents the weight "bias"


@dataclass
class Knowledge:
    calls: dict[str, CallRule] = field(default_factory=dict)  # qualified name -> rule
    methods: dict[str, CallRule] = field(default_factory=dict)  # method name -> rule
    aliasing_methods: frozenset[str] = frozenset()
    aliasing_attributes: frozenset[str] = frozenset()
    # attributes no tensor object has until code sets them (markers such as HF's `_is_hf_initialized`):
    # `getattr(t, name, default)` on a tensor the analysed code created and never marked is the default
    unset_tensor_attributes: frozenset[str] = frozenset()
    # the Module's own name -> parameter dict (torch's `_parameters`, which Module.__setattr__ fills)
    parameter_registry_attributes: frozenset[str] = frozenset()
    frameworks: dict[str, Framework] = field(default_factory=dict)  # by [framework].name, in load order
    module_roots: frozenset[str] = frozenset()  # every framework's
    parameter_classes: frozenset[str] = frozenset()
    lazy_parameter_classes: frozenset[str] = frozenset()
    # lazy modules: buffers created lazily, the method materialising a lazy tensor, the method a lazy module
    # runs on its first input, and the method telling whether any parameter or buffer is still lazy
    lazy_buffer_classes: frozenset[str] = frozenset()
    lazy_materialize_methods: frozenset[str] = frozenset()
    lazy_initialize_methods: frozenset[str] = frozenset()
    lazy_check_methods: frozenset[str] = frozenset()
    namespace_aliases: dict[str, str] = field(default_factory=dict)
    parameters_methods: frozenset[str] = frozenset()
    named_parameters_methods: frozenset[str] = frozenset()
    register_parameter_methods: frozenset[str] = frozenset()
    apply_methods: frozenset[str] = frozenset()
    pure_functions: frozenset[str] = frozenset()
    pure_module_methods: frozenset[str] = frozenset()
    register_buffer_methods: frozenset[str] = frozenset()
    modules_methods: frozenset[str] = frozenset()  # self and every submodule (modules, named_modules)
    children_methods: frozenset[str] = frozenset()  # the direct submodules (children, named_children)  # methods of the framework's Module that write no parameter
    symbol_aliases: dict[str, str] = field(default_factory=dict)
    parameter_symbols: dict[str, str] = field(default_factory=dict)
    subject_phrases: dict[str, str] = field(default_factory=dict)
    # (argument name, values that mean the same thing): DC201 does not call "add" wrong for aggr="sum"
    equivalent_values: tuple[tuple[str, frozenset[str]], ...] = ()
    files: tuple[str, ...] = ()

    def equivalent(self, parameter: str, documented: str, code: str) -> bool:
        return any(name == parameter and documented in values and code in values
                   for name, values in self.equivalent_values)

    def framework(self, name: str | None = None) -> Framework:
        """The framework called `name`; without a name (or an unknown one), the one whose rules file says
        ``default = true`` (torch: explain's notes and a user's nameless rules file speak of it)."""
        if name and name in self.frameworks:
            return self.frameworks[name]
        return next((f for f in self.frameworks.values() if f.default), Framework(""))

    def scheme(self, framework: str | None, phrase: str) -> tuple[str, tuple] | None:
        """(initializer, keyword arguments) of the scheme a doc phrase names, for the class's framework."""
        return self.framework(framework).schemes.get(scheme_name(phrase))

    def scheme_names(self) -> frozenset[str]:
        """Every scheme name of every framework (the doc model recognises these after an init trigger)."""
        return frozenset(name for f in self.frameworks.values() for name in f.schemes)

    def framework_of_roots(self, qualnames) -> str | None:
        """The framework whose module roots one of `qualnames` is (the root a class's MRO ends in)."""
        for qualname in qualnames:
            canonical = self.canonical(qualname)
            for framework in self.frameworks.values():
                if qualname in framework.module_roots or canonical in framework.module_roots:
                    return framework.name
        return None

    # the default framework's tables (explain's notes speak of torch's calculate_gain and fans)
    @property
    def fan(self) -> dict[str, str]:
        return self.framework().fan

    @property
    def fan_min_dim(self) -> int:
        return self.framework().fan_min_dim

    @property
    def gain(self) -> dict[str, str]:
        return self.framework().gain

    def canonical(self, qualname: str) -> str:
        """Rewrite a re-exported prefix to the name the rules use."""
        for alias, target in self.namespace_aliases.items():
            if qualname == alias or qualname.startswith(alias + "."):
                return target + qualname[len(alias):]
        return qualname

    def call(self, qualname: str) -> CallRule | None:
        return self.calls.get(self.canonical(qualname))


def scheme_name(phrase: str) -> str:
    """"Xavier-uniform initialization" and "xavier_uniform" name one scheme: "xavier uniform"."""
    import re

    words = re.sub(r"[\s_\-]+", " ", phrase.strip().lower()).split()
    while words and words[-1] in ("initialization", "initialisation", "init", "initializer", "distribution",
                                  "scheme", "method"):
        words.pop()
    return " ".join(words)


def builtin_rules_dir() -> Path:
    """The rules shipped with doccheck (``doccheck.rules``, i.e. the top-level ``rules/``)."""
    # a source checkout imported through PYTHONPATH uses its own rules, not those of the checkout an editable
    # install maps ``doccheck.rules`` to (two worktrees would otherwise share one rules directory)
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "rules" / "torch.toml").is_file():
        return checkout / "rules"
    try:
        from importlib.resources import files

        path = Path(str(files("doccheck.rules")))
        if (path / "torch.toml").exists():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "rules"


MAX_RULE_DEPTH = 50  # nesting of one rules expression; libcst's native parser has no depth guard (it crashes)
MAX_RULE_LENGTH = 2000


def _python(text: str, mode: str, where: str, what: str):
    """Parse a rules snippet with Python's own parser after bounding its size and nesting (RulesError if bad).

    The nesting is counted on the text first (brackets and prefix operators),
    so nothing deeper than MAX_RULE_DEPTH reaches any parser; then the tree's
    depth is measured without recursion.
    """
    import ast

    if len(text) > MAX_RULE_LENGTH:
        raise RulesError(f"{where}: {what} is longer than {MAX_RULE_LENGTH} characters")
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_RULE_DEPTH or len(text) - len(text.lstrip("-+~ (")) > MAX_RULE_DEPTH \
            or text.count("not ") > MAX_RULE_DEPTH:
        raise RulesError(f"{where}: {what} {text[:60]!r}... is nested more than {MAX_RULE_DEPTH} deep")
    try:
        tree = ast.parse(text, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise RulesError(f"{where}: {what} {text!r} is not valid Python: {detail}") from None
    stack = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if level > MAX_RULE_DEPTH:
            raise RulesError(f"{where}: {what} {text[:60]!r}... is nested more than {MAX_RULE_DEPTH} deep")
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return tree


def _expression(value, where: str, what: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(value)  # gain = 1 means the expression "1"
    if not isinstance(value, str):
        raise RulesError(f"{where}: {what} must be a string holding a Python expression, not {value!r}")
    _python(value, "eval", where, what)
    return value


def _table(data: dict, key: str, source: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RulesError(f"{source}: [{key}] must be a table, not {type(value).__name__}")
    return value


def _names(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}.{key} must be a list of strings")
    return tuple(value)


def _string_table(table: dict, where: str) -> dict[str, str]:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        raise RulesError(f"{where}: every value must be a string")
    return dict(table)


def _entry(kind: str, raw: dict, source: str) -> CallRule:
    if not isinstance(raw, dict):
        raise RulesError(f"{source}: [[{kind}]] entries must be tables, not {type(raw).__name__}")
    where = f"{source}: [[{kind}]] {raw.get('names', '?')}"
    names = raw.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise RulesError(f"{where}: 'names' must be a non-empty list of strings")
    signature = raw.get("signature")
    if not isinstance(signature, str):
        raise RulesError(f"{where}: 'signature' must be a string (a Python parameter list)")
    unknown = set(raw) - {"names", "signature", "let", "init", "returns", "target", "like", "copy_from", "shape",
                          "registry"}
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
    _python(f"def _({signature}): pass", "exec", where, "'signature'")
    init = raw.get("init", {})
    if not isinstance(init, dict):
        raise RulesError(f"{where}: 'init' must be a table of family and parameter expressions")
    if init and "family" not in init:
        raise RulesError(f"{where}: 'init' needs a 'family'")
    for key, value in init.items():
        if key == "family":
            if not isinstance(value, str):
                raise RulesError(f"{where}: init.family must be a string")
        else:
            _expression(value, where, f"init.{key}")
    let = raw.get("let", [])
    if not isinstance(let, list) or not all(isinstance(s, str) and "=" in s for s in let):
        raise RulesError(f"{where}: 'let' must be a list of assignments such as \"x = a + b\"")
    for statement in let:
        import ast

        tree = _python(statement, "exec", where, "'let' entry")
        if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            raise RulesError(f"{where}: 'let' entry {statement!r} must be one assignment such as \"x = a + b\"")
    if raw.get("returns") is not None:
        _expression(raw["returns"], where, "'returns'")
    if raw.get("shape") is not None:
        _expression(raw["shape"], where, "'shape'")
    for key in ("target", "like", "copy_from"):
        if raw.get(key) is not None and (not isinstance(raw[key], str) or not raw[key].isidentifier()):
            raise RulesError(f"{where}: '{key}' must be a parameter name")
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
        shape=raw.get("shape"),
        registry=_names(raw, "registry", where),
        source=source,
    )


def _merge_file(knowledge: Knowledge, path: Path) -> None:
    from doccheck import safeio

    try:  # a regular file of bounded size: a FIFO named rules.toml must not hang the run
        data = tomllib.loads(safeio.read_text(path, MAX_RULES_BYTES))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {safeio.describe(exc)}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc}") from exc
    source = path.name
    framework = _table(data, "framework", source)
    where = f"{source}: [framework]"
    name = framework.get("name", "")
    if not isinstance(name, str):
        raise RulesError(f"{where}.name must be a string")
    # a file without a name (a user's init helpers) adds to the default framework's tables
    own = knowledge.frameworks.get(name) if name else knowledge.framework()
    if own is None or (not name and not own.name):
        own = knowledge.frameworks.setdefault(name, Framework(name))
    own.module_roots |= frozenset(_names(framework, "module_roots", where))
    arrays = framework.get("array_attributes_are_parameters", False)
    if not isinstance(arrays, bool):
        raise RulesError(f"{where}.array_attributes_are_parameters must be true or false")
    own.array_attributes_are_parameters = own.array_attributes_are_parameters or arrays
    default = framework.get("default", False)
    if not isinstance(default, bool):
        raise RulesError(f"{where}.default must be true or false")
    own.default = own.default or default
    knowledge.module_roots |= frozenset(_names(framework, "module_roots", where))
    own.registry_functions |= frozenset(_names(framework, "registry_functions", where))
    for key in ("build_method", "build_argument", "initializer_argument_suffix"):
        if key in framework:
            if not isinstance(framework[key], str) or not framework[key].isidentifier() and key != \
                    "initializer_argument_suffix":
                raise RulesError(f"{where}.{key} must be a name")
            setattr(own, key, framework[key])
    own.build_symbols.update(_string_table(_table(framework, "build_symbols", where), f"{where}.build_symbols"))
    own.attribute_defaults.update({k: _expression(v, f"{where}.attribute_defaults", k) for k, v in _table(
        framework, "attribute_defaults", where).items()})
    knowledge.parameter_classes |= frozenset(_names(framework, "parameter_classes", where))
    knowledge.lazy_parameter_classes |= frozenset(_names(framework, "lazy_parameter_classes", where))
    for key in ("lazy_buffer_classes", "lazy_materialize_methods", "lazy_initialize_methods", "lazy_check_methods"):
        setattr(knowledge, key, getattr(knowledge, key) | frozenset(_names(framework, key, where)))
    aliases = framework.get("namespace_aliases", {})
    if not isinstance(aliases, dict):
        raise RulesError(f"{where}.namespace_aliases must be a table of prefix = \"canonical prefix\"")
    knowledge.namespace_aliases.update(_string_table(aliases, f"{where}.namespace_aliases"))
    knowledge.parameters_methods |= frozenset(_names(framework, "parameters_methods", where))
    knowledge.named_parameters_methods |= frozenset(_names(framework, "named_parameters_methods", where))
    knowledge.register_parameter_methods |= frozenset(_names(framework, "register_parameter_methods", where))
    knowledge.apply_methods |= frozenset(_names(framework, "apply_methods", where))
    knowledge.pure_functions |= frozenset(_names(framework, "pure_functions", where))
    knowledge.pure_module_methods |= frozenset(_names(framework, "pure_module_methods", where))
    knowledge.register_buffer_methods |= frozenset(_names(framework, "register_buffer_methods", where))
    knowledge.modules_methods |= frozenset(_names(framework, "modules_methods", where))
    knowledge.children_methods |= frozenset(_names(framework, "children_methods", where))
    knowledge.unset_tensor_attributes |= frozenset(_names(framework, "unset_tensor_attributes", where))
    knowledge.parameter_registry_attributes |= frozenset(_names(framework, "parameter_registry_attributes", where))
    if "fan" in data:
        fan = dict(_table(data, "fan", source))
        min_dim = fan.pop("min_dim", 2)
        if not isinstance(min_dim, int) or isinstance(min_dim, bool):
            raise RulesError(f"{source}: [fan] min_dim must be an integer")
        own.fan_min_dim = min_dim
        own.fan.update({k: _expression(v, f"{source}: [fan]", k) for k, v in fan.items()})
    own.gain.update({k: _expression(v, f"{source}: [gain]", k) for k, v in _table(data, "gain", source).items()})
    for kind in ("initializer", "function", "factory", "method", "builder", "weight"):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise RulesError(f"{source}: {kind} must be an array of tables ([[{kind}]]), not {type(entries).__name__}")
        for raw in entries:
            rule = replace(_entry(kind, raw, source), framework=name)
            for qualname in rule.names:  # not `name`: that is the framework's, for the next rule too
                if kind == "weight":  # a method of the framework's Module (self.add_weight)
                    own.weight_methods[qualname] = rule
                else:
                    (knowledge.methods if kind == "method" else knowledge.calls)[qualname] = rule
            for registered in rule.registry:
                own.registry[registered] = rule
    for raw in data.get("scheme", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("names"), list) or not raw["names"] \
                or not all(isinstance(n, str) for n in raw["names"]) or not isinstance(raw.get("initializer"), str):
            raise RulesError(f"{source}: [[scheme]] entries need names = [strings] and initializer = \"name\"")
        arguments = raw.get("arguments", {})
        if not isinstance(arguments, dict) or not all(isinstance(v, (str, int, float, bool)) for v in arguments.values()):
            raise RulesError(f"{source}: [[scheme]] {raw['names']}: arguments must be a table of literals")
        for scheme in raw["names"]:
            own.schemes[scheme_name(scheme)] = (raw["initializer"], tuple(sorted(arguments.items())))
    aliasing = _table(data, "aliasing_methods", source)
    knowledge.aliasing_methods |= frozenset(_names(aliasing, "names", f"{source}: [aliasing_methods]"))
    knowledge.aliasing_attributes |= frozenset(_names(aliasing, "attributes", f"{source}: [aliasing_methods]"))
    knowledge.symbol_aliases.update(_string_table(_table(data, "symbols", source), f"{source}: [symbols]"))
    knowledge.parameter_symbols.update(_string_table(_table(data, "parameters", source), f"{source}: [parameters]"))
    knowledge.subject_phrases.update(_string_table(_table(data, "subjects", source), f"{source}: [subjects]"))
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
