"""The fictitious demo cohorts: the generator and what it writes."""

from socinnov.demo.generator import EDITIONS, write_demo

__all__ = ["EDITIONS", "write_demo"]
