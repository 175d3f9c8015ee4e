"""The router: which skill adapter an agent step goes to."""

from agentft.router.router import Route, Router
from agentft.router.step import Step

__all__ = ["Route", "Router", "Step"]
