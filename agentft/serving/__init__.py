"""Backends that turn (messages, tools, adapter) requests into validated tool calls."""
