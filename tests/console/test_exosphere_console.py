"""`exosphere validate` and `exosphere render`: graph files and module:attribute graphs, exit codes, pictures, and a
run drawn from a local state manager over HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from exospherehost import Graph, GraphNodeModel
from exospherehost.cli import main
from exospherehost.local import MEMORY, LocalStateManager
from tests.local_servers.test_exosphere_state_manager import KEY, NS, SEED_NODES, seed_graph

GOOD = Graph(seed_graph(), name="g", secrets={"api_key": "not-printed-anywhere"})
CYCLE = Graph([GraphNodeModel(node_name="A", namespace=NS, identifier="a", inputs={}, next_nodes=["b"]),
               GraphNodeModel(node_name="B", namespace=NS, identifier="b", inputs={}, next_nodes=["a"])],
              name="cycle")  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {"good": tmp_path / "good.json", "cycle": tmp_path / "cycle.json", "broken": tmp_path / "broken.json"}
    paths["good"].write_bytes(GOOD.to_upsert_body())
    paths["cycle"].write_bytes(CYCLE.to_upsert_body())
    paths["broken"].write_text('{"nodes": 3}')
    return {name: str(path) for name, path in paths.items()}


def test_validate_exit_codes_and_every_problem_with_its_path(files, capsys) -> None:
    assert main(["validate", files["good"]]) == 0
    assert capsys.readouterr().out == "checked 1 graph: 1 valid, 0 with problems (0 problems)\n"
    assert main(["validate", files["good"], files["cycle"], files["broken"]]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{files['cycle']}: ") and line.endswith("[graph-template]") for line in out)
    assert any(line.startswith(f"{files['broken']}: $: ") and line.endswith("[unreadable]") for line in out)
    assert out[-1].startswith("checked 3 graphs: 1 valid, 2 with problems")


def test_validate_json_and_python_references(files, tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "my_graphs.py").write_text(
        "from exospherehost import GraphNodeModel\n"
        "NODES = [GraphNodeModel(node_name='A', namespace='ns', identifier='a', inputs={})]\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["validate", "--format", "json", "my_graphs:NODES", files["cycle"]]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["files"][0] == {"file": "my_graphs:NODES", "valid": True, "problems": []}
    assert document["files"][1]["valid"] is False
    assert document["summary"]["invalid"] == 1


def test_render_a_graph_to_mermaid_and_dot_and_never_print_a_secret(files, tmp_path: Path, capsys) -> None:
    assert main(["render", files["good"]]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith(("flowchart", "---"))
    out = tmp_path / "graph.dot"
    assert main(["render", files["good"], "--to", "dot", "-o", str(out)]) == 0
    assert out.read_text().startswith("digraph")
    assert "not-printed-anywhere" not in mermaid + out.read_text()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on PATH (apt-get install graphviz)")
def test_render_a_graph_to_svg_and_png(files, tmp_path: Path) -> None:
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG")):
        out = tmp_path / f"graph.{fmt}"
        assert main(["render", files["good"], "--to", fmt, "-o", str(out)]) == 0
        assert out.read_bytes().startswith(magic)


def test_render_a_run_read_from_the_state_manager() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, local.serve() as server:
        client = httpx.Client(base_url=f"{server.url}/v0/namespace/{NS}", headers={"x-api-key": KEY})
        assert client.put("/nodes/", json=SEED_NODES).status_code == 200
        local.sync_state_manager(NS).upsert_graph("g", seed_graph(), {"api_key": "s"}, polling_interval=0.01)
        run_id = client.post("/graph/g/trigger", json={}).json()["run_id"]
        client.close()
        import io
        from contextlib import redirect_stdout

        printed = io.StringIO()
        with redirect_stdout(printed):
            code = main(["render", "--run", run_id, "--namespace", NS, "--state-manager", server.url, "--key", KEY,
                         "--to", "dot"])  # fmt: skip
    assert code == 0
    assert "CREATED" in printed.getvalue()


def test_render_usage_errors_exit_2(files, capsys) -> None:
    assert main(["render"]) == 2
    assert main(["render", files["good"], "--run", "r"]) == 2
    assert main(["render", "--run", "r"]) == 2  # no namespace
    assert main(["render", "/no/such/file.json"]) == 2
    assert main([]) == 0


def test_validate_names_members_the_state_manager_would_drop(tmp_path: Path, capsys) -> None:
    body = {"secrets": {}, "name": "g", "nodes": [
        {"node_name": "A", "namespace": NS, "identifier": "a", "inputs": {}, "next_node": ["b"]},
        {"node_name": "B", "namespace": NS, "identifier": "b", "inputs": {"k": {"free": "form"}}, "unites": {
            "identifier": "a", "stratgy": "ALL_DONE"}}],
        "triggers": [{"type": "CRON", "value": {"expression": "@daily", "timezone": "UTC"}}]}  # fmt: skip
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(body))
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    dropped = [line.split(": ")[1] for line in lines if line.endswith("[unknown-member]")]
    assert dropped == ["name", "nodes[0].next_node", "nodes[1].unites.stratgy", "triggers[0].value.timezone"]
    assert f"{path}: nodes[1]: Node b is not connected to the root node [graph-template]" in lines
