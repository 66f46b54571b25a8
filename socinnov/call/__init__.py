"""The call: its settings (``appel.yaml``), its grids and their versions, its closed vocabulary, the
schemas of its tables and its eligibility rules. The lowest layer above the core: it imports nothing
else of the package."""
