"""The code model's entry point: one class in, its parameters' effective initialization out."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from doccheck.codemodel.interpreter import BudgetExceeded, Interpreter, Raised
from doccheck.model import ClassInit, ParamInit, Position
from doccheck.parse import SourceError
from doccheck.project import Definition, Project, ResolutionError


def evaluate_class(project: Project, knowledge, definition: Definition, budget: int | None = None,
                   overrides: tuple = ()) -> ClassInit | None:
    """Run the class's constructor abstractly; None when it creates no learnable parameter.

    Memoised per project (several checks ask about the same class in one run; the
    result depends only on the sources, which a Project reads once).
    """
    memo = project.__dict__.setdefault("_class_models", {})
    key = (definition.qualname, id(definition.node), id(knowledge), budget, overrides)
    if key not in memo:
        memo[key] = _evaluate_class(project, knowledge, definition, budget, overrides)
    return memo[key]


def _evaluate_class(project: Project, knowledge, definition: Definition, budget: int | None,
                    overrides: tuple = ()) -> ClassInit | None:
    module = definition.module
    line, column = module.position(definition.node)
    position = Position(module.path, line, column)
    name = definition.node.name.value
    interpreter = Interpreter(project, knowledge) if budget is None else Interpreter(project, knowledge, budget)
    from doccheck.codemodel.values import Lit

    # (argument, Python constant): the constructor called with these, the other arguments by the convention
    interpreter.overrides = {name: Lit(value) for name, value in overrides}
    problem = None
    try:
        interpreter.run_constructor(definition)
    except ResolutionError as exc:
        return ClassInit(name, definition.qualname, position, [], problem=str(exc))
    except SourceError as exc:  # a base class Python accepts but libcst cannot parse (read while linearising)
        return ClassInit(name, definition.qualname, position, [],
                         problem=f"a definition it depends on cannot be parsed (line {exc.line}): {exc.message}")
    except Raised as raised:
        places = sorted({f"{site.path.rsplit('/', 1)[-1]}:{site.line}" for site in raised.sites if site is not None})
        problem = "the constructor raises on every path doccheck can follow" + (
            f" (raise at {', '.join(places[:3])}{' …' if len(places) > 3 else ''})" if places else "")
    except BudgetExceeded:
        problem = "evaluation budget exceeded (the constructor is too large or loops too much)"
    except RecursionError:
        problem = "expressions nested too deeply to evaluate"
    state = interpreter.state
    if not state.params and not state.dynamic:
        if problem and _creates_parameters_textually(definition):
            return ClassInit(name, definition.qualname, position, [], problem=problem)
        return None
    if problem:
        # the constructor was not followed to its end: nothing it decided so far is certain
        for key, tensor in list(state.heap.items()):
            state.heap[key] = replace(tensor, distribution=None, unresolved=problem)
    lazy = False
    if not problem and any(state.heap[ref.id].lazy for ref in state.params.values()):
        why = interpreter.run_lazy_initialization()
        lazy = why is None
        state = interpreter.state
        if why is not None:
            for ref in state.params.values():
                if state.heap[ref.id].lazy:
                    state.heap[ref.id] = replace(state.heap[ref.id], unresolved=why)
    if any(state.heap[ref.id].lazy for ref in state.params.values()):
        # a lazy module materialises its lazy parameters on the first forward call and then re-runs its own
        # initialization (initialize_parameters -> reset_parameters), which may write the others too (torch
        # 1.8's LazyLinear leaves `bias` unwritten in the constructor): what the constructor left is not the
        # parameter's initialization
        for param_name, ref in state.params.items():
            tensor = state.heap[ref.id]
            if not tensor.lazy:
                site = (f" ({tensor.created_at.path.rsplit('/', 1)[-1]}:{tensor.created_at.line})"
                        if tensor.created_at is not None else "")
                state.heap[ref.id] = replace(tensor, distribution=None, unresolved=(
                    f"in a lazy module, {param_name}{site} may be written again when the lazy parameters are "
                    f"materialised on the first forward call"))
    params = []
    for param_name, ref in state.params.items():
        params.append(_param_init(param_name, state.heap[ref.id], problem))
    if state.dynamic:
        params.append(_dynamic_params([state.heap[r.id] for r in state.dynamic], problem))
    return ClassInit(name, definition.qualname, position, params, symbols=dict(interpreter.symbols),
                     dynamic=bool(state.dynamic), problem=problem, lazy=lazy,
                     string_choices={k: tuple(sorted(v)) for k, v in interpreter.string_choices.items()},
                     framework=interpreter.class_framework.name if interpreter.class_framework else None)


def _param_init(name: str, tensor, problem: str | None) -> ParamInit:
    unresolved = tensor.unresolved if tensor.distribution is None else None
    if problem and unresolved is None and tensor.distribution is None:
        unresolved = problem
    if tensor.distribution is None and unresolved is None:
        unresolved = "no initialization found"
    shape = tuple(d.expr for d in tensor.shape) if tensor.shape is not None else None
    return ParamInit(name=name, shape=shape, distribution=tensor.distribution, unresolved=unresolved,
                     decided_at=tensor.decided_at, created_at=tensor.created_at, steps=list(tensor.steps),
                     notes=list(tensor.notes))


def _dynamic_params(tensors: list, problem: str | None) -> ParamInit:
    """Parameters registered under names computed at run time (setattr in a loop), as one group "*"."""
    first = tensors[0]
    shapes = sorted({str(tuple(d.expr for d in t.shape)) if t.shape is not None else "?" for t in tensors})
    notes = [f"created under names computed at run time, with shapes {', '.join(shapes)}"]
    if all(t.distribution == first.distribution and t.unresolved == first.unresolved for t in tensors):
        result = _param_init("*", first, problem)
        result.shape = None
        result.notes = notes + result.notes
        return result
    return ParamInit(name="*", shape=None, distribution=None,
                     unresolved="parameters created dynamically are initialized differently", notes=notes)


def _creates_parameters_textually(definition: Definition) -> bool:
    code = cst.Module(body=[]).code_for_node(definition.node)
    return "Parameter(" in code or "register_parameter" in code


def evaluate_initializer(knowledge, qualname: str, shape: tuple, *args, **kwargs):
    """The distribution a rules entry gives a tensor of a concrete shape, e.g.
    ``evaluate_initializer(k, "torch.nn.init.kaiming_uniform_", (30, 20), a=math.sqrt(5))``.

    Arguments may be Python numbers or strings.  Returns (Distribution | None, reason | None).
    """
    from doccheck.codemodel.interpreter import _number
    from doccheck.codemodel.values import Lit, Num, TensorState
    from doccheck.project import Project

    interpreter = Interpreter(Project([]), knowledge)

    def wrap(value):
        if isinstance(value, float):
            import sympy

            return Num(sympy.nsimplify(value))  # math.sqrt(5) -> sqrt(5), 0.01 -> 1/100
        if isinstance(value, int) and not isinstance(value, bool):
            return _number(value)
        if hasattr(value, "free_symbols"):
            return Num(value)
        return Lit(value)

    tensor = interpreter.new_tensor(TensorState(tuple(Num(d) if hasattr(d, "free_symbols") else _number(d)
                                                      for d in shape), None))
    if qualname in knowledge.methods:  # an old-style tensor method such as uniform_
        from doccheck.codemodel.values import TensorMethod

        result = interpreter.call_tensor_method(TensorMethod(tensor, qualname), list(map(wrap, args)),
                                                {k: wrap(v) for k, v in kwargs.items()}, None)
    else:
        result = interpreter.call_qualified(qualname, [tensor, *map(wrap, args)],
                                            {k: wrap(v) for k, v in kwargs.items()}, None, None, False)
    state = interpreter.state.heap[tensor.id]
    if not isinstance(result, type(tensor)):
        return None, getattr(result, "reason", "not an initializer")
    return state.distribution, state.unresolved


def scheme_distribution(knowledge, framework: str | None, name: str, shape: tuple | None):
    """What a named scheme ("xavier uniform") gives a parameter of `shape` in `framework` (its rules'
    ``[[scheme]]`` entry: an initializer and its arguments). Returns (Distribution | None, reason | None)."""
    entry = knowledge.scheme(framework, name)
    if entry is None:
        return None, f"no scheme named {name!r} in the rules of {framework or 'the default framework'}"
    if shape is None:
        return None, f"{name}: the parameter's shape is not known, so neither are its fans"
    qualname, arguments = entry
    return evaluate_initializer(knowledge, qualname, tuple(shape), **dict(arguments))


def named_initializer(knowledge, framework: str | None, name: str, shape: tuple | None):
    """The distribution the initializer registered as `name` in `framework` gives a tensor of `shape` (a tuple
    of sympy expressions).  Returns (Distribution | None, reason | None)."""
    from doccheck.codemodel.values import Lit, Num, TensorRef
    from doccheck.project import Project

    own = knowledge.frameworks.get(framework or "")
    if own is None or name not in own.registry:
        return None, f"{name!r} is no initializer the {framework or 'class'}'s rules name"
    if shape is None:
        return None, "the parameter's shape is not known"
    interpreter = Interpreter(Project([]), knowledge)
    interpreter.class_framework = own
    initializer = interpreter.registry_get(own, Lit(name))
    from doccheck.codemodel.values import Seq

    ref = interpreter.apply_builder(initializer, Seq(tuple(Num(d) for d in shape)), None, label=name)
    state = interpreter.state.heap[ref.id] if isinstance(ref, TensorRef) else None
    if state is None or state.distribution is None:
        return None, state.unresolved if state is not None else "not an initializer"
    return state.distribution, None
