"""A local Exosphere state manager: the 18 routes of the released state manager (`spec/exosphere/openapi.json`),
answering as it does, with graphs, registered nodes, runs and states in SQLite.

    with LocalStateManager(api_key="exo-local-key") as local, local.serve() as server:   # on loopback
        StateManager("MyProject", server.url, "exo-local-key")
    manager = LocalStateManager(MEMORY).state_manager("MyProject")                         # in process

Every timestamp and `enqueue_after` is read from a `Clock`: the wall clock (`SystemClock`) unless
`LocalStateManager(..., clock=VirtualClock(start))` is given, which moves only by `advance(seconds)` /
`advance_to(moment)`, so that a test makes a retry backoff or a `start_delay` due at once;
`LocalStateManager.next_due_ms(namespace)` says when the next waiting state becomes due.

Extensions of the upstream API:
* an `Idempotency-Key` header on a graph upsert or a trigger is honoured;
* each state in the enqueue answer also carries `run_id` and `graph_name` (the released server does not send them).

Where the released server is odd, see the docstrings of `observe` (lists, runs paging, node details), `ids` (state
id format) and `schema` (upgrading an older database).
"""

from exospherehost.local.clock import Clock, SystemClock, VirtualClock, from_ms, to_ms
from exospherehost.local.server import DEFAULT_API_KEY, DEFAULT_DATABASE, LocalStateManager
from sdkcore.local.database import MEMORY

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_DATABASE",
    "MEMORY",
    "Clock",
    "LocalStateManager",
    "SystemClock",
    "VirtualClock",
    "from_ms",
    "to_ms",
]
