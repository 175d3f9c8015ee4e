"""Backends that turn (messages, tools, adapter) requests into validated tool calls, behind `protocol.Backend`.

`load_backend` (in `factory`) is the one way to start one by name.
"""

from agentft.serving.factory import BACKENDS, load_backend, teacher_backend

__all__ = ["BACKENDS", "load_backend", "teacher_backend"]
