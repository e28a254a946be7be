"""Schema/model agreement: does a generated msgspec type accept exactly the JSON its JSON Schema accepts?

    from tests.agreement import check, load_registry

    registry = load_registry(sorted(Path("spec/waygrid").glob("*.schema.json")))
    found = check(registry, "https://schemas.waygrid.local/traversal-spec.schema.json#/$defs/Node", Node,
                  codec.decode, codec.encode, seed=0, valid=60, mutants=120)

Each `Disagreement` names the schema file ($id) and the entry's JSON pointer, how the instance was made (its
category and the instance path it changed), the instance, and both verdicts. The independent validator is
`tests.support.ecma_validator`; here: `regexgen` (strings from a pattern's parse tree), `instances` (valid instances
from the schema), `mutants` (mutations of them), `check` (the comparison).
"""

from tests.agreement.check import INTEGRAL_FLOAT, Disagreement, Report, check, run
from tests.support.ecma_validator import registry_of as load_registry
from tests.support.ecma_validator import validator_for

__all__ = ["INTEGRAL_FLOAT", "Disagreement", "Report", "check", "load_registry", "run", "validator_for"]
