"""The state manager's background check of an upserted graph (PENDING -> VALID or INVALID): every node is
registered, every secret a registered node needs is given, registered inputs are strings the graph gives, and
every `${{ id.outputs.field }}` names a string output of that node. Messages are the server's."""

from __future__ import annotations

import json
from typing import Any, cast

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exospherehost.local.runs import graph_row
from exospherehost.validation import placeholders
from sdkcore.local.database import Database


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    properties: Any = schema.get("properties", {})
    return cast("dict[str, Any]", properties) if isinstance(properties, dict) else {}


def _is_string(schema: Any) -> bool:
    return isinstance(schema, dict) and cast("dict[str, Any]", schema).get("type") == "string"


def problems(nodes: list[GraphNode], secrets: set[str], registered: dict[tuple[str, str], Any]) -> list[str]:
    """Why the graph cannot run, given the registered nodes by (name, namespace)."""
    found: list[str] = []
    for name, namespace in sorted({(node.node_name, node.namespace) for node in nodes} - set(registered)):
        found.append(f"Node {name} in namespace {namespace} does not exist.")
    used = [registered[key] for key in {(node.node_name, node.namespace) for node in nodes} if key in registered]
    needed = {secret for row in used for secret in json.loads(row["secrets"])}
    found += [
        f"Secret {secret} is required but not present in the graph template" for secret in sorted(needed - secrets)
    ]
    by_id = {node.identifier: node for node in nodes}
    for node in nodes:
        row = registered.get((node.node_name, node.namespace))
        if row is None:
            found.append(f"Node {node.node_name} in namespace {node.namespace} does not exist")
            continue
        where = f"in node {node.node_name} in namespace {node.namespace}"
        for field, schema in _properties(json.loads(row["inputs_schema"])).items():
            if not _is_string(schema):
                found.append(f"Input {field} {where} is not a string")
            elif field not in node.inputs:
                found.append(f"Input {field} {where} is not present in the graph template")
        for value in node.inputs.values():
            for identifier, field in placeholders(str(value)):
                if identifier == "store":
                    continue
                source = by_id.get(identifier)
                source_row = None if source is None else registered.get((source.node_name, source.namespace))
                if source is None:
                    found.append(f"Node {identifier} does not exist in the graph template")
                elif source_row is None:
                    found.append(f"Node {source.node_name} in namespace {source.namespace} does not exist")
                else:
                    outputs = _properties(json.loads(source_row["outputs_schema"]))
                    there = f"in node {source.node_name} in namespace {source.namespace}"
                    if field not in outputs:
                        found.append(f"Field {field} {there} does not exist")
                    elif not _is_string(outputs[field]):
                        found.append(f"Field {field} {there} is not a string")
    return found


def verify(database: Database, namespace: str, graph_name: str) -> None:
    """Check the stored graph and record VALID or INVALID with the reasons."""
    with database.transaction() as connection:
        graph = graph_row(connection, namespace, graph_name)
        if graph is None or graph["validation_status"] != "PENDING":
            return
        nodes = codec.decode(graph["nodes"], list[GraphNode])
        rows = connection.execute("SELECT * FROM registered_nodes").fetchall()
        registered = {(row["name"], row["namespace"]): row for row in rows}
        found = problems(nodes, set(json.loads(graph["secrets"])), registered)
        connection.execute(
            "UPDATE graphs SET validation_status = ?, validation_errors = ? WHERE namespace = ? AND name = ?",
            ("INVALID" if found else "VALID", json.dumps(found), namespace, graph_name),
        )
