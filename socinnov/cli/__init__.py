"""The ``socinnov`` command (French messages): one sub-command per task."""
