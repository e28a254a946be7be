"""`waygrid validate` and `waygrid simulate`: exit codes, text and JSON output, module:attribute references."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from waygrid import Node, RetryPolicy, Spec
from waygrid.cli import main

W = "waygrid://system/waystation"
GOOD = Spec.single(Node.standard("waygrid://processor/a").with_retry(RetryPolicy.exponential(timedelta(seconds=1), 3))
                   .on_success(Node.standard("waygrid://processor/b")))  # fmt: skip
UNJOINED = Spec.single(Node.fork(W).join_id("x").branches({"a": Node.standard("waygrid://processor/a"),
                                                           "b": Node.standard("waygrid://processor/b")}))  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {"good": tmp_path / "good.json", "bad": tmp_path / "bad.json", "broken": tmp_path / "broken.json"}
    paths["good"].write_text(GOOD.to_json())
    paths["bad"].write_text(UNJOINED.to_json())
    paths["broken"].write_text('{"entryPoints": [')
    return {name: str(path) for name, path in paths.items()}


def test_validate_exits_0_when_every_spec_is_valid(files, capsys) -> None:
    assert main(["validate", files["good"]]) == 0
    assert capsys.readouterr().out == "checked 1 spec: 1 valid, 0 with problems (0 problems)\n"


def test_validate_lists_every_problem_of_every_file_and_exits_1(files, capsys) -> None:
    assert main(["validate", files["good"], files["bad"], files["broken"]]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{files['bad']}: entryPoints[0].branches.a: the branch does not end in the join")
    assert lines[0].endswith("[fork-without-join]")
    assert lines[1].startswith(f"{files['bad']}: entryPoints[0].branches.b: ")
    assert lines[2].startswith(f"{files['broken']}: $: not valid JSON")
    assert lines[2].endswith("[unreadable]")
    assert lines[3] == "checked 3 specs: 1 valid, 2 with problems (3 problems)"


def test_validate_json_output_is_for_machines(files, capsys) -> None:
    assert main(["validate", "--format", "json", files["good"], files["bad"]]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is False
    assert document["summary"] == {"files": 2, "invalid": 1, "problems": 2}
    assert document["files"][0] == {"file": files["good"], "valid": True, "problems": []}
    assert document["files"][1]["problems"][0]["rule"] == "fork-without-join"
    assert document["files"][1]["problems"][0]["path"] == "entryPoints[0].branches.a"


def test_validate_reads_a_spec_from_python_code(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "my_specs.py").write_text(
        "from waygrid import Node, Spec\nSPEC = Spec.single(Node.standard('waygrid://processor/a'))\nNOT_A_SPEC = 3\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["validate", "my_specs:SPEC"]) == 0
    assert main(["validate", "my_specs:NOT_A_SPEC", "my_specs:MISSING", "no_such_module:SPEC"]) == 1
    out = capsys.readouterr().out
    assert "my_specs:NOT_A_SPEC: $: my_specs:NOT_A_SPEC is a int, not a waygrid Spec [unreadable]" in out
    assert "my_specs:MISSING: $: my_specs has no attribute 'MISSING' [unreadable]" in out
    assert "no_such_module:SPEC: $: cannot import no_such_module: ModuleNotFoundError" in out


def test_validate_explore_adds_runtime_problems(tmp_path: Path, capsys) -> None:
    from waygrid import Condition

    overlap = Spec.single(Node.standard("waygrid://processor/a").on_conditions([
        Condition.when(Condition.ALWAYS, Node.standard("waygrid://processor/b")),
        Condition.when(Condition.ALWAYS, Node.standard("waygrid://processor/c"))]))  # fmt: skip
    path = tmp_path / "overlap.json"
    path.write_text(overlap.to_json())
    assert main(["validate", str(path)]) == 0
    assert main(["validate", "--explore", str(path)]) == 1
    assert "[runtime-conditions-overlap]" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "yaml", "x.json"], ["nope"],
                                  ["simulate", "x.json", "--fail", "not-an-address"]])  # fmt: skip
def test_usage_errors_exit_2(argv, files, capsys) -> None:
    argv = [files["good"] if arg == "x.json" else arg for arg in argv]
    try:
        code = main(argv)
    except SystemExit as exit_info:  # argparse's own usage errors
        code = exit_info.code
    assert code == 2


def test_simulate_prints_the_timeline_rows_of_a_spec_with_retries(files, capsys) -> None:
    assert main(["simulate", files["good"], "--fail", "waygrid://processor/a:2"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["time", "event", "node"]
    assert [row[:3] for row in rows[1:8]] == [
        ["+0.000s", "dispatched", "waygrid://processor/a"],
        ["+0.000s", "failed", "waygrid://processor/a"],
        ["+0.000s", "retry_scheduled", "waygrid://processor/a"],
        ["+1.075s", "dispatched", "waygrid://processor/a"],
        ["+1.075s", "failed", "waygrid://processor/a"],
        ["+1.075s", "retry_scheduled", "waygrid://processor/a"],
        ["+3.375s", "dispatched", "waygrid://processor/a"],
    ]
    assert rows[-1] == ["outcome:", "completed"]


def test_simulate_exits_1_unless_the_traversal_completes_and_speaks_json(files, capsys) -> None:
    assert main(["simulate", files["good"], "--fail", "waygrid://processor/a", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["outcome"] == "failed"
    assert [event["kind"] for event in document["events"]].count("dispatched") == 4
    assert main(["simulate", files["bad"]]) == 1  # the router refuses it: reported, not simulated


def test_version_and_bare_command(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("waygrid 0.")
    assert main([]) == 0
    assert "validate" in capsys.readouterr().out


def test_the_console_script_runs(files) -> None:
    done = subprocess.run([sys.executable, "-m", "waygrid", "validate", files["good"]], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "checked 1 spec: 1 valid, 0 with problems (0 problems)"
