"""A local Exosphere state manager: the graph routes and the runtime routes of `spec/exosphere/openapi.json`,
answering as the released state manager does, with graphs, registered nodes, runs and states in SQLite.

    with LocalStateManager(api_key="exo-local-key") as local, local.serve() as server:   # on loopback
        StateManager("MyProject", server.url, "exo-local-key")
    manager = LocalStateManager(MEMORY).state_manager("MyProject")                         # in process

Extension of the upstream API: an `Idempotency-Key` header on a graph upsert or a trigger is honoured.
"""

from exospherehost.local.server import DEFAULT_API_KEY, DEFAULT_DATABASE, LocalStateManager
from sdkcore.local.database import MEMORY

__all__ = ["DEFAULT_API_KEY", "DEFAULT_DATABASE", "MEMORY", "LocalStateManager"]
