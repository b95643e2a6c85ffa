"""Documented initialization vs. the code's effective initialization (DC101–DC103).

discover/parse have run; per class: doc model (claims) first, because it is
cheap and most classes claim nothing; then the code model only for classes
that do; then compare.
"""

from __future__ import annotations

import re


# Cheap text test before any docstring work: a file whose text never talks
# about initialization cannot hold an init claim.
INIT_WORDING = re.compile(r"initiali[sz]|sampled from|drawn from|set to", re.IGNORECASE)


def run(info, project, knowledge, config, result) -> None:
    from doccheck import limits
    from doccheck.pipeline import StageFailure, analyse_class
    from doccheck.docmodel.claims import has_init_wording, init_claims, named_initializer_claims, names_an_initializer
    from doccheck.docmodel.docsource import class_docstring
    from doccheck.failures import internal_error
    from doccheck.model import Finding
    from doccheck.parse import SourceError
    from doccheck.project import Definition

    inventory = config.inventory  # `doccheck coverage`: every class, documented or not
    if not inventory and not INIT_WORDING.search(info.text) and "__doc__" not in info.text:
        return
    path = info.path
    for chunk, _ in info.classes():
        text = info.chunk_text(chunk)
        computed_doc = "__doc__" in text  # may pull its wording in from elsewhere
        if not inventory and not computed_doc and not (chunk.docstring and (has_init_wording(chunk.docstring)
                                                                    or names_an_initializer(chunk.docstring))):
            continue  # the docstring states no initialization: nothing to prove, nothing to parse
        line = chunk.keyword_line
        try:
            stmt = info.statement(chunk)
            doc = class_docstring(project, info, stmt)
            if doc is not None and len(doc.text) > limits.MAX_DOCSTRING_CHARS:
                result.findings.append(Finding(path, line, 1, "DC003", f"{stmt.name.value}: docstring not read: "
                                               f"{len(doc.text)} characters, more than the limit of "
                                               f"{limits.MAX_DOCSTRING_CHARS}"))
                continue
            claims = init_claims(doc, knowledge) + named_initializer_claims(doc, knowledge) if doc is not None else []
        except SourceError as exc:
            result.findings.append(Finding(path, exc.line, exc.column, "DC002", exc.message))
            continue
        except Exception as exc:
            result.findings.append(internal_error(path, line, "doc model", exc, config.debug))
            continue
        if not claims and not inventory:
            continue
        definition = Definition(info, stmt, f"{info.qualname}.{stmt.name.value}")
        try:
            class_result = analyse_class(project, knowledge, definition, claims)
        except StageFailure as failure:
            if failure.partial is not None:
                result.classes.append(failure.partial)
            result.findings.append(internal_error(path, line, failure.stage, failure.error, config.debug))
            continue
        result.classes.append(class_result)
        result.findings.extend(class_result.findings)
