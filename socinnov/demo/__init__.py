"""The fictitious demo cohorts: the generator and what it writes.

``generator`` draws a cohort table by table (``profiles``, ``dossiers``, ``jury``, ``ratings``,
``decisions``, ``followup``, with the shared helpers of ``drawing``) and writes its folder;
``readme`` writes the folder's ``LISEZMOI.md`` and ``appel.yaml``; ``content`` holds the
hand-written French material (YAML files).
"""

from socinnov.demo.generator import EDITIONS, write_demo

__all__ = ["EDITIONS", "write_demo"]
