"""BaseNode models as the runtime reads them: the registered JSON Schema of a msgspec Struct is the document
pydantic writes for the same fields, and the node checks give exospherehost 0.0.3's messages in its order."""

from __future__ import annotations

from typing import Optional

import msgspec
import pydantic
import pytest

from exospherehost import BaseNode, Runtime
from exospherehost.node_models import NodeInputError, build, dump, json_schema

FIELDS = ["name", "file_path", "URL", "snake_case_name", "x2", "a_b_c"]


def _pair(names: list[str], defaults: dict[str, str]) -> tuple[type, type]:
    struct_fields = [(name, str, defaults[name]) if name in defaults else (name, str) for name in names]
    # msgspec wants fields with defaults last, and so does the comparison's pydantic twin
    struct_fields.sort(key=lambda entry: len(entry))
    ordered = [entry[0] for entry in struct_fields]
    struct = msgspec.defstruct("Inputs", struct_fields)
    model = pydantic.create_model(
        "Inputs", **{name: (str, defaults[name]) if name in defaults else (str, ...) for name in ordered}
    )  # type: ignore[call-overload]
    return struct, model


@pytest.mark.parametrize("count", range(len(FIELDS) + 1))
@pytest.mark.parametrize("with_defaults", [False, True])
def test_a_struct_registers_the_schema_pydantic_writes(count: int, with_defaults: bool) -> None:
    names = FIELDS[:count]
    defaults = {name: f"d-{name}" for name in names[::2]} if with_defaults else {}
    struct, model = _pair(names, defaults)
    assert list(json_schema(struct).items()) == list(model.model_json_schema().items())
    assert msgspec.json.encode(json_schema(struct)) == msgspec.json.encode(model.model_json_schema())


def test_a_pydantic_model_registers_its_own_schema() -> None:
    class Outputs(pydantic.BaseModel):
        text: str = pydantic.Field(description="kept")

    assert json_schema(Outputs) == Outputs.model_json_schema()


def test_build_ignores_unknown_keys_and_names_a_missing_field() -> None:
    class Inputs(msgspec.Struct):
        name: str

    assert build(Inputs, {"name": "a", "extra": "b"}) == Inputs(name="a")
    with pytest.raises(NodeInputError, match=r"Inputs: Object missing required field `name`"):
        build(Inputs, {})
    with pytest.raises(NodeInputError, match=r"Expected `str`, got `int` - at `\$.name`"):
        build(Inputs, {"name": 3})


def test_dump_gives_what_model_dump_gives() -> None:
    class Out(msgspec.Struct):
        a: str
        b: str = "x"

    class Model(pydantic.BaseModel):
        a: str
        b: str = "x"

    assert dump(Out(a="1")) == Model(a="1").model_dump() == {"a": "1", "b": "x"}
    with pytest.raises(TypeError, match="an output must be a pydantic BaseModel or a msgspec Struct, got dict"):
        dump({"a": "1"})


class Good(BaseNode):
    class Inputs(pydantic.BaseModel):
        name: str

    class Outputs(msgspec.Struct):
        message: str

    async def execute(self) -> Outputs:
        return self.Outputs(message=self.inputs.name)


def _runtime(nodes: list[type]) -> Runtime:
    return Runtime("ns", "rt", nodes, "http://127.0.0.1:1", "key")  # type: ignore[arg-type]


def test_a_mixed_node_passes_the_checks() -> None:
    assert repr(_runtime([Good])) == (
        "Runtime(namespace='ns', name='rt', nodes=['Good'], state_manager_uri='http://127.0.0.1:1')"
    )


def test_the_node_checks_give_the_original_messages_in_its_order() -> None:
    class NotANode:
        class Inputs(pydantic.BaseModel):
            pass

        class Outputs(pydantic.BaseModel):
            pass

        class Secrets(pydantic.BaseModel):
            pass

    class Typed(BaseNode):
        class Inputs(pydantic.BaseModel):
            count: int
            maybe: Optional[str]  # noqa: UP045 -- the annotation 0.0.3's message prints

        class Outputs(msgspec.Struct):
            flag: bool

        class Secrets:
            token: str

        async def execute(self) -> None:
            return None

    with pytest.raises(ValueError, match=r"^Following errors") as raised:
        _runtime([NotANode, Typed, Good, Good])
    assert str(raised.value) == "Following errors while validating nodes: " + "\n".join([
        "NotANode does not inherit from exospherehost.BaseNode",
        "Typed does not have an Secrets class that inherits from pydantic.BaseModel",
        "Typed.Inputs field 'count' must be of type str, got <class 'int'>",
        "Typed.Inputs field 'maybe' must be of type str, got typing.Optional[str]",
        "Typed.Outputs field 'flag' must be of type str, got <class 'bool'>",
        "Duplicate node class names found: ['Good']",
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"batch_size": 0}, "Batch size should be at least 1"),
        ({"workers": 0}, "Workers should be at least 1"),
        ({"state_manager_uri": None}, "State manager URI is not set"),
        ({"key": None}, "API key is not set"),
    ],
)
def test_the_constructor_checks(arguments: dict[str, object], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXOSPHERE_STATE_MANAGER_URI", raising=False)
    monkeypatch.delenv("EXOSPHERE_API_KEY", raising=False)
    given: dict[str, object] = {"state_manager_uri": "http://127.0.0.1:1", "key": "k", **arguments}
    with pytest.raises(ValueError, match=f"^{message}$"):
        Runtime("ns", "rt", [Good], **given)  # type: ignore[arg-type]


def test_the_environment_fills_uri_and_key_and_an_empty_key_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXOSPHERE_STATE_MANAGER_URI", "http://127.0.0.1:9")
    monkeypatch.setenv("EXOSPHERE_API_KEY", "")
    runtime = Runtime("ns", "rt", [Good])
    assert "127.0.0.1:9" in repr(runtime)
    assert "key" not in repr(runtime).replace("state_manager", "")


@pytest.mark.parametrize("with_defaults", [False, True])
def test_the_server_reads_a_registered_struct_schema_with_the_same_fields_and_types(with_defaults: bool) -> None:
    from json_schema_to_pydantic import create_model  # what the state manager builds input models with

    names = FIELDS
    defaults = dict.fromkeys(names[::2], "d") if with_defaults else {}
    struct, model = _pair(names, defaults)
    read = create_model(json_schema(struct))
    expected = create_model(model.model_json_schema())
    assert {name: (field.annotation, field.is_required()) for name, field in read.model_fields.items()} == {
        name: (field.annotation, field.is_required()) for name, field in expected.model_fields.items()
    }
    assert all(field.annotation is str for field in read.model_fields.values())
